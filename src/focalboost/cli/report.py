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
    search = (
        f"; focal grid of {len(grid)} settings, picked by {NAMES.get(st['select'], st['select'])} "
        f"on a {100 * st['inner_validation']:g} % inner validation split"
        if len(grid) > 1
        else ""
    )
    lines.append(
        f"evaluation: {how}; {st['rounds']} rounds, learning rate {st['learning_rate']:g}{search}"
    )
    return lines


def table(results: dict[str, Any]) -> list[str]:
    """One row per engine, target and model, then the macro average for several targets."""
    multi = len(results["data"]["targets"]) > 1
    rows: list[list[str]] = []
    head = ["engine", *(["target"] if multi else []), "model", *(c[1] for c in COLUMNS)]
    for entry in results["models"]:
        m = entry["metrics"]
        rows.append(
            [
                entry["engine"],
                *([entry["target"]] if multi else []),
                _model_label(entry),
                *(f"{m[key]:.4f}" for key, _ in COLUMNS),
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
            ]
        )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    n_text = len(head) - len(COLUMNS)

    def fmt(r: list[str]) -> str:
        cells = [
            c.ljust(w) if i < n_text else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "-" * len(fmt(head))
    return [fmt(head), rule, *(fmt(r) for r in rows)]


def verdict(results: dict[str, Any]) -> list[str]:
    """Where focal won or lost against logistic, per engine and target."""
    lines = ["focal vs logistic (precision/recall at each model's best-F1 threshold):"]
    multi = len(results["data"]["targets"]) > 1
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in results["comparison"]:
        groups.setdefault((row["engine"], row["target"]), []).append(row)
    for (engine, target), rows in groups.items():
        if multi and target != "macro":
            continue
        parts = []
        for row in rows:
            word = {"focal": "won", "logistic": "lost", "tie": "tied"}[row["better"]]
            folds = (
                f" in {row['splits_won']}/{row['splits']} folds" if row.get("splits", 1) > 1 else ""
            )
            parts.append(f"{NAMES[row['metric']]} {row['difference']:+.4f} {word}{folds}")
        name = f"{engine}" + (" (macro over labels)" if multi else "")
        lines.append(f"  {name}: " + ", ".join(parts))
    if multi:
        lines.append("  per label (PR-AUC difference, focal - logistic):")
        for (engine, target), rows in groups.items():
            if target == "macro":
                continue
            pr = next(r for r in rows if r["metric"] == "pr_auc")
            lines.append(f"    {engine} {target}: {pr['difference']:+.4f}")
    lines.append(
        "  log-loss (lower is better) is of calibrated probabilities (focal: FocalLoss.probability); "
        "the other metrics are better higher"
    )
    return lines


def text(results: dict[str, Any]) -> str:
    """The whole report."""
    return "\n".join([*header(results), "", *table(results), "", *verdict(results)]) + "\n"
