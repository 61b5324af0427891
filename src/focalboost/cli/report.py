"""The comparison as text (a table and a verdict) or as JSON."""

from __future__ import annotations

import json
import math
from typing import Any

COLUMNS = (
    ("roc_auc", "ROC-AUC"),
    ("pr_auc", "PR-AUC"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("f1", "F1"),
    ("log_loss", "log-loss"),
)
NAMES = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC", "f1": "F1", "log_loss": "log-loss"}


def to_json(results: dict[str, Any]) -> str:
    """Results as indented JSON (NaN written as null)."""
    return json.dumps(_finite(results), indent=2)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def _alpha(alpha: Any) -> str:
    if alpha is None:
        return "none"
    return f"{alpha:g}" if isinstance(alpha, float) else str(alpha)


def _model_label(entry: dict[str, Any]) -> str:
    if entry["model"] == "logistic":
        return "logistic"
    s = entry["settings"]
    return f"focal g={s['gamma']:g} a={_alpha(s['alpha'])}"


def curve_labels(results: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Legend names per (engine, model): focal with its chosen setting, e.g. ``focal (gamma=1, alpha=0.25)`` in Greek.

    When the grid chose differently across folds or labels, the label says so.
    """
    out: dict[tuple[str, str], str] = {}
    for engine in results["settings"]["engines"]:
        chosen = {
            (s["gamma"], _alpha(s["alpha"]))
            for e in results["models"]
            if e["engine"] == engine and e["model"] == "focal"
            for s in e["selected"]
        }
        if len(chosen) == 1:
            gamma, alpha = chosen.pop()
            out[(engine, "focal")] = (
                f"focal (\N{GREEK SMALL LETTER GAMMA}={gamma:g}, \N{GREEK SMALL LETTER ALPHA}={alpha})"
            )
        else:
            out[(engine, "focal")] = "focal (setting varies by fold/label)"
    return out


def header(results: dict[str, Any]) -> list[str]:
    """Lines that say what was compared on which data."""
    data, ev, st = results["data"], results["evaluation"], results["settings"]
    rates = ", ".join(f"{name} {100 * r:.1f} %" for name, r in data["positive_rate"].items())
    pos = f" (positive = {data['positive_label']!r})" if data.get("positive_label") else ""
    cats = f", {len(data['categorical'])} categorical" if data["categorical"] else ""
    lines = [
        f"data: {data['source']}: {data['rows']} rows, {data['features']} features{cats}",
        f"target{'s' if len(data['targets']) > 1 else ''}{pos}: {rates}",
    ]
    if ev["kind"] == "holdout":
        how = f"stratified hold-out of {100 * ev['test_size']:g} % ({ev['test_rows']} rows)"
    else:
        how = f"stratified {ev['folds']}-fold cross-validation (mean over folds)"
    grid = st["grid"]
    stop = st.get("early_stopping", 0)
    inner = (
        f"a {100 * (st['inner_validation'] or 0):g} % inner validation split of the training rows"
    )
    lines.append(f"evaluation: {how}")
    if stop:
        lines.append(
            f"training: at most {st['rounds']} rounds at learning rate {st['learning_rate']:g}; "
            f"each model stops after {stop} rounds without improvement of its own loss on {inner}"
        )
    else:
        lines.append(
            f"training: {st['rounds']} rounds at learning rate {st['learning_rate']:g}, "
            "no early stopping"
        )
    if len(grid) > 1:
        lines.append(
            f"focal grid: {len(grid)} settings, picked by {NAMES.get(st['select'], st['select'])} "
            f"on {inner}"
        )
    cats = data.get("categorical_from_codebook")
    if cats:
        lines.append(f"categorical from {cats['file']}: {', '.join(cats['columns'])}")
    return lines


def table(results: dict[str, Any]) -> list[str]:
    """One row per engine, target and model, then the macro average for several targets."""
    multi = len(results["data"]["targets"]) > 1
    rows: list[list[str]] = []
    head = [
        "engine",
        *(["target"] if multi else []),
        "model",
        *(c[1] for c in COLUMNS),
        "trees",
    ]
    for entry in results["models"]:
        m = entry["metrics"]
        rows.append(
            [
                entry["engine"],
                *([entry["target"]] if multi else []),
                _model_label(entry),
                *(f"{m[key]:.4f}" for key, _ in COLUMNS),
                _trees(entry["trees"]),
            ]
        )
    for entry in results["macro"]:
        m = entry["metrics"]
        rows.append(
            [
                entry["engine"],
                "macro",
                entry["model"],
                *(f"{m[key]:.4f}" for key, _ in COLUMNS),
                "",
            ]
        )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    n_text = len(head) - len(COLUMNS) - 1

    def fmt(r: list[str]) -> str:
        cells = [
            c.ljust(w) if i < n_text else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * len(fmt(head))
    return [fmt(head), rule, *(fmt(r) for r in rows)]


def _trees(trees: list[int]) -> str:
    """Trees kept: one number, or the range over folds."""
    lo, hi = min(trees), max(trees)
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


def verdict_word(row: dict[str, Any]) -> str:
    """``won``/``lost``/``tie`` with what it rests on."""
    if row["n_splits"] > 1:
        return str(row["verdict"])
    if row["verdict"] == "tie":
        return "single split: not evidence either way"
    return f"{row['verdict']} (single split, beyond the bootstrap standard error)"


def _se(se: Any) -> str:
    return "se n/a" if se is None or not math.isfinite(se) else f"se {se:.4f}"


def verdict(results: dict[str, Any]) -> list[str]:
    """Where focal won, lost or tied against logistic, per engine and target."""
    rows_all = results["comparison"]
    threshold = results["settings"].get("won_lost_beyond_se", 2)
    cv = results["evaluation"]["kind"] == "cv"
    rule = (
        f"won/lost: focal better (worse) in every fold and |mean difference| > {threshold:g} "
        "standard errors of the fold differences; otherwise tie"
        if cv
        else f"won/lost: |difference| > {threshold:g} paired-bootstrap standard errors "
        f"({results['settings'].get('bootstrap_resamples')} resamples of the test rows)"
    )
    lines = ["focal vs logistic, difference = focal - logistic; " + rule + ":"]
    multi = len(results["data"]["targets"]) > 1
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows_all:
        groups.setdefault((row["engine"], row["target"]), []).append(row)
    width = max(len(n) for n in NAMES.values())
    for (engine, target), rows in groups.items():
        if multi and target != "macro":
            continue
        lines.append(f"  {engine}" + (" (macro over labels)" if multi else "") + ":")
        for row in rows:
            folds = (
                f", focal better in {row['focal_better_in']}/{row['n_splits']} folds"
                if row["n_splits"] > 1
                else ""
            )
            lines.append(
                f"    {NAMES[row['metric']]:<{width}} {row['mean_diff']:+.4f} "
                f"({_se(row['se'])}{folds}): {verdict_word(row)}"
            )
    if multi:
        lines.append("  per label (PR-AUC difference, focal - logistic):")
        for (engine, target), rows in groups.items():
            if target == "macro":
                continue
            pr = next(r for r in rows if r["metric"] == "pr_auc")
            lines.append(f"    {engine} {target}: {pr['mean_diff']:+.4f} {verdict_word(pr)}")
    lines.append(
        "  log-loss (lower is better) is of calibrated probabilities (focal: FocalLoss.probability); "
        "the other metrics are better higher; precision/recall are at each model's best-F1 threshold"
    )
    return lines


def text(results: dict[str, Any]) -> str:
    """The whole report."""
    return "\n".join([*header(results), "", *table(results), "", *verdict(results)]) + "\n"
