"""What each subcommand does, from parsed arguments to printed output and written files."""

from __future__ import annotations

import argparse
import io
import itertools
import sys
from pathlib import Path

import numpy as np

from focalboost.cli import report
from focalboost.cli.args import column_list
from focalboost.cli.compare import Plan, inner_split, run, steps
from focalboost.cli.data import (
    Feature,
    Schema,
    Table,
    build_table,
    codebook_columns,
    encode,
    read_frame,
)
from focalboost.cli.engines import FocalSpec, Settings, engines_for, fit
from focalboost.cli.errors import CliError
from focalboost.cli.progress import progress

#: The demo's focal grid: gamma x alpha, picked by PR-AUC on an inner validation split.
DEMO_GAMMAS = (1.0, 2.0)
DEMO_ALPHAS = (0.25, 0.5)


def _settings(ns: argparse.Namespace) -> Settings:
    return Settings(
        rounds=ns.rounds,
        early_stopping=ns.early_stopping,
        learning_rate=getattr(ns, "learning_rate", 0.1),
        seed=ns.seed,
        threads=ns.threads,
        hessian=getattr(ns, "hessian", "upper"),
    )


def _grid(gammas: list[float] | None, alphas: list[object] | None) -> list[FocalSpec]:
    g = list(dict.fromkeys(gammas or [2.0]))
    a = list(dict.fromkeys(alphas or [0.25]))
    return [FocalSpec(alpha, gamma) for gamma, alpha in itertools.product(g, a)]  # type: ignore[arg-type]


def _finish(
    ns: argparse.Namespace, table: Table, plan: Plan, output: str | None, plots: bool
) -> int:
    """Run the comparison, print it, write results.json and plots to ``output``."""
    if output is not None and plots:
        from focalboost.cli.plot import pyplot

        pyplot()  # fail before training when matplotlib is missing
    bar = progress(steps(table, plan), "training", quiet=ns.quiet)
    results, curves = run(table, plan, bar)
    sys.stdout.write(report.to_json(results) + "\n" if ns.json else report.text(results))
    if output is not None:
        folder = Path(output)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "results.json").write_text(report.to_json(results) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write to the output folder {folder}: {exc.strerror}") from exc
        written = [folder / "results.json"]
        if plots:
            from focalboost.cli.plot import comparison_plots

            written += comparison_plots(
                curves, plan.engines, folder, ns.dpi, labels=report.curve_labels(results)
            )
        names = ", ".join(p.name for p in written)
        print(f"wrote {names} to {folder}/", file=sys.stderr if ns.json else sys.stdout)
    return 0


def demo(ns: argparse.Namespace) -> int:
    """Logistic vs focal on the embedded flights sample."""
    from focalboost.datasets import load_default

    data = load_default()
    cats = set(data.categorical_features)
    features = [
        Feature(name, sorted(float(v) for v in np.unique(data.X[:, j][~np.isnan(data.X[:, j])])))
        if name in cats
        else Feature(name)
        for j, name in enumerate(data.feature_names)
    ]
    table = Table(
        data.X,
        data.y.reshape(-1, 1),
        Schema(features),
        data.target_names,
        source="built-in nycflights13 sample (focalboost.datasets.load_default)",
    )
    plan = Plan(
        engines=engines_for(ns.engine),
        specs=_grid(list(DEMO_GAMMAS), list(DEMO_ALPHAS)),
        settings=_settings(ns),
    )
    return _finish(ns, table, plan, ns.output, not ns.no_plots)


def compare(ns: argparse.Namespace) -> int:
    """Logistic vs focal on the user's table."""
    engines = engines_for(ns.engine)
    frame = read_frame(ns.data)
    coded = codebook_columns(ns.data)
    table = build_table(
        frame,
        targets=column_list(ns.target),
        prefix=ns.targets_prefix,
        positive=ns.positive,
        categorical=column_list(ns.categorical),
        codebook=coded,
        drop=column_list(ns.drop),
        source=ns.data,
    )
    plan = Plan(
        engines=engines,
        specs=_grid(ns.gamma, ns.alpha),
        settings=_settings(ns),
        select=ns.select,
        cv=ns.cv,
        test_size=ns.test_size,
    )
    return _finish(ns, table, plan, ns.output, not ns.no_plots)


def train(ns: argparse.Namespace) -> int:
    """Fit one focal booster on every row and save the model file."""
    from focalboost.cli import model

    targets = column_list(ns.target)
    if len(targets) > 1:
        raise CliError("train fits one target; give a single --target")
    engine = engines_for(ns.engine)[0]
    frame = read_frame(ns.data)
    coded = codebook_columns(ns.data)
    table = build_table(
        frame,
        targets=targets,
        positive=ns.positive,
        categorical=column_list(ns.categorical),
        codebook=coded,
        drop=column_list(ns.drop),
        source=ns.data,
    )
    spec = FocalSpec(ns.alpha, ns.gamma)  # the parser's defaults are 0.25 and 2
    settings = _settings(ns)
    y = table.Y[:, 0]
    X = table.X
    valid = None
    if settings.early_stopping > 0:
        fit_rows, valid_rows = inner_split(y, settings.seed)
        X, y, valid = X[fit_rows], y[fit_rows], (X[valid_rows], y[valid_rows])
    fitted = fit(
        engine,
        spec,
        X,
        y,
        table.feature_names,
        table.schema.categorical_indices,
        settings,
        valid=valid,
    )
    meta = model.save(
        ns.model,
        fitted,
        table.schema,
        target=table.target_names[0],
        positive=ns.positive,
        spec=spec,
        settings=settings,
        y=y,
    )
    if table.codebook:
        print(f"categorical from {table.codebook['file']}: {', '.join(table.codebook['columns'])}")
    stopped = (
        f"{fitted.trees} trees (early stopping on {valid[1].size} validation rows)"
        if valid is not None
        else f"{fitted.trees} trees"
    )
    print(
        f"trained {engine} with focal loss ({spec.describe()}, alpha used "
        f"{meta['loss']['alpha']}) on {y.size} rows ({int(y.sum())} positive), "
        f"{stopped}, starting margin {meta['intercept']:.4f}"
    )
    print(f"wrote {ns.model}")
    return 0


def predict(ns: argparse.Namespace) -> int:
    """Calibrated probabilities of a saved model for every row of DATA, as CSV."""
    from focalboost.cli import model

    bundle = model.load(ns.model)
    frame = read_frame(ns.data)
    X = encode(frame, bundle.schema)
    proba = bundle.fitted.probability(X)
    buffer = io.StringIO()
    buffer.write("probability\n")
    np.savetxt(buffer, proba, fmt="%.17g")
    if ns.output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        try:
            Path(ns.output).write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {ns.output}: {exc.strerror}") from exc
        print(f"wrote {proba.size} probabilities to {ns.output}", file=sys.stderr)
    return 0


def plot(ns: argparse.Namespace) -> int:
    """``plot loss`` and ``plot hessian``."""
    from focalboost.cli.plot import hessian_plot, loss_plot

    folder = Path(ns.output)
    if ns.plot == "loss":
        path = loss_plot(list(dict.fromkeys(ns.gamma)), ns.alpha, folder, ns.dpi)
    else:
        path = hessian_plot(ns.gamma_max, folder, ns.dpi)
    print(f"wrote {path}")
    return 0
