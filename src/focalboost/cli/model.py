"""The model file written by ``focalboost train`` and read by ``focalboost predict``.

One JSON document, no pickle::

    {
      "format": "focalboost-model", "version": 1,
      "engine": "xgboost" | "lightgbm", "engine_version": "...", "focalboost_version": "...",
      "target": "<column>", "positive_label": "<--positive or null>",
      "loss": {"alpha": <resolved float or null>, "alpha_given": ..., "gamma": g, "hessian": "..."},
      "intercept": <focal-optimal starting margin, already inside the model>,
      "features": [{"name": ..., "kind": "numeric"}, {"name": ..., "kind": "categorical",
                    "levels": [...]}, ...],            # in the model's column order
      "engine_feature_names": [...],                   # the names the booster knows them by
      "training": {"rows": n, "positives": k, "rounds": r, "trees": t,
                   "early_stopping": e, "learning_rate": lr, "seed": s},
      "model": "<the engine's own model text: XGBoost JSON or LightGBM text format>"
    }

The booster's raw margin includes the intercept, and
``FocalLoss(alpha, gamma).probability(margin)`` gives the calibrated probability, so the file can be
used without focalboost's command line too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost.cli.data import Feature, Schema
from focalboost.cli.engines import Fitted, FocalSpec, Settings
from focalboost.cli.errors import CliError, DataError, need
from focalboost.loss import FocalLoss

FORMAT = "focalboost-model"
VERSION = 1


@dataclass
class Bundle:
    """A loaded model file."""

    fitted: Fitted
    schema: Schema
    meta: dict[str, Any]


def _native_text(fitted: Fitted) -> str:
    if fitted.engine == "xgboost":
        return bytes(fitted.booster.save_raw(raw_format="json")).decode("utf-8")
    return str(fitted.booster.model_to_string())


def save(
    path: str,
    fitted: Fitted,
    schema: Schema,
    *,
    target: str,
    positive: str | None,
    spec: FocalSpec,
    settings: Settings,
    y: NDArray[np.float64],
) -> dict[str, Any]:
    """Write the model file; return its metadata (everything but the model text)."""
    from focalboost import __version__

    assert fitted.loss is not None
    engine = need(fitted.engine, fitted.engine, f"--engine {fitted.engine}")
    alpha = fitted.loss.resolve_alpha(y)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "engine": fitted.engine,
        "engine_version": str(engine.__version__),
        "focalboost_version": __version__,
        "target": target,
        "positive_label": positive,
        "loss": {
            "alpha": None if alpha is None else float(alpha),
            "alpha_given": spec.alpha,
            "gamma": float(spec.gamma),
            "hessian": fitted.loss.hessian,
        },
        "intercept": float(fitted.loss.init_margin(y)),
        "features": [f.to_json() for f in schema.features],
        "engine_feature_names": fitted.names,
        "training": {
            "rows": int(y.size),
            "positives": int(y.sum()),
            "rounds": settings.rounds,
            "trees": fitted.trees,
            "early_stopping": settings.early_stopping,
            "learning_rate": settings.learning_rate,
            "seed": settings.seed,
        },
    }
    document = {**meta, "model": _native_text(fitted)}
    try:
        Path(path).write_text(json.dumps(document), encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write the model file {path}: {exc.strerror}") from exc
    return meta


def load(path: str) -> Bundle:
    """Read a model file written by :func:`save`."""
    file = Path(path)
    if not file.is_file():
        raise DataError(f"no such model file: {path}")
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path} is not a focalboost model file: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DataError(f"{path} is not a focalboost model file (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise DataError(
            f"{path} has model file version {document.get('version')!r}; "
            f"this focalboost reads version {VERSION}"
        )
    engine = str(document["engine"])
    text = str(document.pop("model"))
    if engine == "xgboost":
        xgb = need("xgboost", "xgboost", "this model file")
        booster = xgb.Booster()
        booster.load_model(bytearray(text.encode("utf-8")))
    elif engine == "lightgbm":
        lgb = need("lightgbm", "lightgbm", "this model file")
        booster = lgb.Booster(model_str=text)
    else:
        raise DataError(f"{path} names an unknown engine {engine!r}")
    loss_meta = document["loss"]
    loss = FocalLoss(
        alpha=loss_meta["alpha"], gamma=loss_meta["gamma"], hessian=loss_meta["hessian"]
    )
    schema = Schema([Feature.from_json(f) for f in document["features"]])
    fitted = Fitted(
        engine, booster, loss, list(document["engine_feature_names"]), schema.categorical_indices
    )
    return Bundle(fitted, schema, document)
