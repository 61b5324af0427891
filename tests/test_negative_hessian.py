"""The negative-curvature counter that the engine adapters set on FocalLoss."""

from __future__ import annotations

import numpy as np
import pytest

from focalboost import FocalLoss
from focalboost.loss import _negative_hessian_root


def _exact_negative(fl: FocalLoss, y: np.ndarray, z: np.ndarray) -> int:
    exact = FocalLoss(alpha=fl.alpha, gamma=fl.gamma, hessian="exact")
    _, hess = exact.grad_hess(y, z)
    return int(np.count_nonzero(hess < 0))


@pytest.mark.parametrize("policy", ["upper", "exact", "clip", "abs"])
@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 3.0])
def test_count_matches_the_sign_of_the_exact_hessian(policy: str, gamma: float) -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(0.0, 4.0, 4000)
    y = (rng.random(4000) < 0.3).astype(np.float64)
    fl = FocalLoss(alpha=0.25, gamma=gamma, hessian=policy)
    fl.sklearn_objective(y, z)
    expected = _exact_negative(fl, y, z)
    assert expected > 0
    assert fl.negative_hessian_count_ == expected
    assert fl.negative_hessian_fraction_ == pytest.approx(expected / z.size)


def test_no_negatives_for_gamma_zero_and_for_well_classified_rows() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(0.0, 6.0, 1000)
    y = (z > 0).astype(np.float64)
    fl = FocalLoss(alpha=None, gamma=0.0)
    fl.sklearn_objective(1.0 - y, z)  # every row confidently wrong, but log-loss is convex
    assert fl.negative_hessian_count_ == 0
    fl = FocalLoss(gamma=2.0)
    fl.sklearn_objective(y, z)  # every row right: no negative curvature anywhere
    assert fl.negative_hessian_count_ == 0
    fl.sklearn_objective(1.0 - y, z)
    assert fl.negative_hessian_count_ == int(np.count_nonzero(np.abs(z) > 2.7905))


@pytest.mark.parametrize("gamma", [0.01, 0.5, 2.0, 7.0])
def test_root_is_where_the_exact_curvature_changes_sign(gamma: float) -> None:
    root = _negative_hessian_root(gamma)
    assert isinstance(root, float)
    fl = FocalLoss(alpha=None, gamma=gamma, hessian="exact")
    _, hess = fl.grad_hess(np.ones(2), np.array([root - 1e-6 * abs(root), root + 1e-6 * abs(root)]))
    assert hess[0] < 0 < hess[1]
    assert _negative_hessian_root(0.0) == -np.inf


def test_soft_labels_and_per_output_gamma() -> None:
    rng = np.random.default_rng(3)
    z = rng.normal(0.0, 5.0, (500, 2))
    gamma = [1.0, 3.0]
    y_hard = (rng.random((500, 2)) < 0.2).astype(np.float64)
    fl = FocalLoss(alpha=[0.3, 0.6], gamma=gamma)
    fl.sklearn_objective(y_hard, z)
    assert fl.negative_hessian_count_ == _exact_negative(fl, y_hard, z) > 0
    y_soft = rng.random((500, 2))
    fl.sklearn_objective(y_soft, z)
    assert fl.negative_hessian_count_ == _exact_negative(fl, y_soft, z) > 0
    assert fl.negative_hessian_fraction_ == pytest.approx(fl.negative_hessian_count_ / 1000)


def test_engines_set_the_counter() -> None:
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    from focalboost import lgb as flgb
    from focalboost import xgb as fxgb

    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] > 1.0).astype(np.float64)
    # Start far on the negative side: the positives are confidently wrong in the first rounds.
    fl = FocalLoss(gamma=2.0, hessian="exact")
    params = {"max_depth": 2, "eta": 0.5, "nthread": 1, "base_score": -5.0}
    booster = fxgb.train(params, xgb.DMatrix(X, y), 4, loss=fl)
    # the last objective call saw the margins of the first 3 trees
    margin = booster.predict(xgb.DMatrix(X), output_margin=True, iteration_range=(0, 3))
    assert fl.negative_hessian_count_ == _exact_negative(fl, y, margin) > 0
    assert fl.negative_hessian_fraction_ == fl.negative_hessian_count_ / 400

    fl2 = FocalLoss(gamma=2.0)
    ds = lgb.Dataset(X, y, init_score=np.full(400, -5.0), params={"verbose": -1})
    lgb_params = {"verbose": -1, "num_threads": 1, "num_leaves": 4, "max_delta_step": 1.0}
    lgb_booster = flgb.train(lgb_params, ds, 4, loss=fl2)
    assert fl2.alpha_ == 0.25  # the caller's loss object, not a copy, was updated
    margin = lgb_booster.predict(X, raw_score=True, num_iteration=3) - 5.0
    assert fl2.negative_hessian_count_ == _exact_negative(fl2, y, margin) > 0
    assert fl2.negative_hessian_fraction_ == fl2.negative_hessian_count_ / 400
