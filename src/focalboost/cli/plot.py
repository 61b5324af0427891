"""Figures: precision-recall and calibration of a comparison, and the focal loss itself.

Every figure has a fixed size in inches (:data:`PANEL` per panel), so at ``dpi`` its pixel size is
``(panels * PANEL[0] * dpi, PANEL[1] * dpi)``.  matplotlib is the optional ``plot`` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from focalboost.cli.compare import Curves
from focalboost.cli.errors import CliError, need
from focalboost.loss import FocalLoss

#: Width and height of one panel, in inches.
PANEL = (5.0, 4.5)
COLORS = {"logistic": "#1f77b4", "focal": "#d62728", "focal, sigmoid": "#ff9896"}


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend, or a message naming the extra."""
    matplotlib = need("matplotlib", "plot", "plotting")
    matplotlib.use("Agg")
    return need("matplotlib.pyplot", "plot", "plotting")


def _figure(plt: Any, panels: int) -> tuple[Any, list[Any]]:
    fig, axes = plt.subplots(1, panels, figsize=(PANEL[0] * panels, PANEL[1]), squeeze=False)
    return fig, list(axes[0])


def _save(plt: Any, fig: Any, folder: Path, name: str, dpi: int) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create the output folder {folder}: {exc.strerror}") from exc
    path = folder / name
    fig.savefig(path, dpi=dpi)  # no bbox_inches: the pixel size stays what PANEL says
    plt.close(fig)
    return path


def pr_points(
    y: NDArray[np.float64], p: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Recall and precision at every distinct score, highest score first."""
    order = np.argsort(-p, kind="mergesort")
    ys, ps = y[order], p[order]
    last = np.r_[np.flatnonzero(np.diff(ps)), ps.size - 1]
    tp = np.cumsum(ys)[last]
    fp = np.cumsum(1 - ys)[last]
    return tp / tp[-1], tp / (tp + fp)


def reliability(
    y: NDArray[np.float64], p: NDArray[np.float64], bins: int = 10
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean predicted probability and observed positive rate in ``bins`` equal-count bins."""
    order = np.argsort(p, kind="mergesort")
    groups = [g for g in np.array_split(order, bins) if g.size]
    return np.array([p[g].mean() for g in groups]), np.array([y[g].mean() for g in groups])


def comparison_plots(
    curves: Curves,
    engines: list[str],
    folder: Path,
    dpi: int,
    labels: dict[tuple[str, str], str] | None = None,
) -> list[Path]:
    """``pr_curves.png`` and ``calibration.png``: one panel per engine.

    ``labels`` names the curves per (engine, model), e.g. focal with its chosen gamma and alpha.
    """
    labels = labels or {}
    plt = pyplot()
    written = []
    fig, axes = _figure(plt, len(engines))
    for ax, engine in zip(axes, engines, strict=True):
        for model in ("logistic", "focal"):
            y, p = curves.get((engine, model))
            recall, precision = pr_points(y, p)
            label = labels.get((engine, model), model)
            ax.step(recall, precision, where="post", color=COLORS[model], label=label)
        ax.axhline(float(y.mean()), color="grey", lw=0.8, ls=":", label="base rate")
        ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="recall", ylabel="precision", title=engine)
        ax.legend(loc="upper right")
    fig.suptitle("Precision-recall on held-out rows")
    fig.tight_layout()
    written.append(_save(plt, fig, folder, "pr_curves.png", dpi))

    fig, axes = _figure(plt, len(engines))
    for ax, engine in zip(axes, engines, strict=True):
        top = 0.0
        focal = labels.get((engine, "focal"), "focal")
        for model, label in (
            ("logistic", "logistic"),
            ("focal", f"{focal}, calibrated"),
            ("focal, sigmoid", f"{focal}, plain sigmoid"),
        ):
            y, p = curves.get((engine, model))
            mean_p, rate = reliability(y, p)
            top = max(top, float(mean_p.max()), float(rate.max()))
            style = "--" if model == "focal, sigmoid" else "-"
            ax.plot(mean_p, rate, style, marker="o", ms=3, color=COLORS[model], label=label)
        top = min(1.0, 1.05 * top)
        ax.plot([0, top], [0, top], color="grey", lw=0.8, ls=":", label="perfect")
        ax.set(
            xlim=(0, top),
            ylim=(0, top),
            xlabel="mean predicted probability",
            ylabel="observed positive rate",
            title=engine,
        )
        ax.legend(loc="upper left")
    fig.suptitle("Calibration on held-out rows (10 equal-count bins)")
    fig.tight_layout()
    written.append(_save(plt, fig, folder, "calibration.png", dpi))
    return written


def loss_plot(gammas: list[float], alpha: Any, folder: Path, dpi: int) -> Path:
    """``loss.png``: loss of a positive row and its gradient against the margin, per gamma."""
    plt = pyplot()
    z = np.linspace(-6.0, 6.0, 601)
    y = np.ones_like(z)
    fig, (ax_loss, ax_grad) = _figure(plt, 2)
    for gamma in gammas:
        fl = FocalLoss(alpha=alpha, gamma=gamma)
        grad, _ = fl.grad_hess(y, z)
        label = f"gamma={gamma:g}" + (" (logistic)" if gamma == 0 and alpha is None else "")
        ax_loss.plot(z, fl.loss(y, z), label=label)
        ax_grad.plot(z, grad, label=label)
    a = "none" if alpha is None else alpha
    ax_loss.set(
        xlabel="margin z (positive row)",
        ylabel="loss",
        title=f"Focal loss, alpha={a}",
        ylim=(0, None),
    )
    ax_grad.set(xlabel="margin z (positive row)", ylabel="dL/dz", title="Gradient")
    for ax in (ax_loss, ax_grad):
        ax.axvline(0.0, color="grey", lw=0.6, ls=":")
        ax.legend()
    fig.tight_layout()
    return _save(plt, fig, folder, "loss.png", dpi)


def negative_hessian_boundary(gamma: float) -> float | None:
    """For a positive row: the margin below which the exact Hessian is negative (None if never)."""
    z = np.linspace(-30.0, 30.0, 60001)
    _, h = FocalLoss(alpha=None, gamma=gamma, hessian="exact").grad_hess(np.ones_like(z), z)
    neg = np.flatnonzero(h < 0)
    return None if neg.size == 0 else float(z[neg[-1]])


def hessian_plot(gamma_max: float, folder: Path, dpi: int) -> Path:
    """``hessian.png``: where the exact Hessian is negative, in margin x gamma, for y = 1 and 0."""
    plt = pyplot()
    z = np.linspace(-10.0, 10.0, 401)
    gammas = np.linspace(0.0, gamma_max, 201)
    zz = np.repeat(z[:, None], gammas.size, axis=1)  # (margins, gammas): gamma per column
    fl = FocalLoss(alpha=None, gamma=gammas, hessian="exact")
    fig, axes = _figure(plt, 2)
    for ax, label in zip(axes, (1.0, 0.0), strict=True):
        _, h = fl.grad_hess(np.full_like(zz, label), zz)
        negative = (h < 0).astype(np.float64).T  # rows: gamma
        ax.contourf(z, gammas, negative, levels=[0.5, 1.5], colors=["#d62728"], alpha=0.6)
        ax.contour(z, gammas, negative, levels=[0.5], colors=["#7f0000"], linewidths=1.0)
        ax.set(
            xlabel="margin z",
            ylabel="gamma",
            title=f"label {int(label)}: exact Hessian < 0 (shaded)",
            xlim=(z[0], z[-1]),
            ylim=(0, gamma_max),
        )
    edge = negative_hessian_boundary(2.0)
    if edge is not None and gamma_max >= 2.0:
        axes[0].annotate(
            f"gamma=2: z < {edge:.2f}",
            xy=(edge, 2.0),
            xytext=(edge + 2.5, 2.0 + 0.1 * gamma_max),
            arrowprops={"arrowstyle": "->"},
        )
    fig.suptitle('Where the exact focal Hessian is negative ("upper", the default, is always > 0)')
    fig.tight_layout()
    return _save(plt, fig, folder, "hessian.png", dpi)
