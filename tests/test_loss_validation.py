"""Bad input is rejected with an error that names the problem."""

from __future__ import annotations

import re

import numpy as np
import pytest

from focalboost import FocalLoss

Z = np.array([-1.0, 0.0, 2.0])
Y = np.array([0.0, 1.0, 1.0])


def _entry_points(fl: FocalLoss):
    """Every math-API call that takes labels, margins and weights."""
    return {
        "loss": lambda y, z, w=None: fl.loss(y, z, w),
        "grad_hess": lambda y, z, w=None: fl.grad_hess(y, z, w),
    }


ENTRY = ["loss", "grad_hess"]


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("entry", ENTRY)
@pytest.mark.parametrize(
    ("labels", "match"),
    [
        ([0.0, 1.5, 1.0], r"y must lie in \[0, 1\]"),
        ([-0.1, 1.0, 1.0], r"y must lie in \[0, 1\]"),
        ([0, 2, 1], r"y must lie in \[0, 1\]"),
        ([0.0, np.inf, 1.0], r"y must lie in \[0, 1\]"),
        ([0.0, -np.inf, 1.0], r"y must lie in \[0, 1\]"),
        ([0.0, np.nan, 1.0], "y contains NaN"),
    ],
)
def test_bad_label_values(entry, labels, match):
    with pytest.raises(ValueError, match=match):
        _entry_points(FocalLoss())[entry](np.array(labels), Z)


@pytest.mark.parametrize("entry", ENTRY)
@pytest.mark.parametrize(
    "labels",
    [np.array(["0", "1", "1"]), np.array(["a", "b", "c"], dtype=object), np.array([0j, 1, 1])],
)
def test_non_numeric_labels(entry, labels):
    with pytest.raises(TypeError, match="y must hold numeric labels"):
        _entry_points(FocalLoss())[entry](labels, Z)


def test_label_range_error_reports_the_range():
    with pytest.raises(ValueError, match=r"from -3\.0 to 1\.0"):
        FocalLoss().loss(np.array([-3.0, 0.0, 1.0]), Z)


@pytest.mark.parametrize("entry", ENTRY)
@pytest.mark.parametrize("labels", [np.zeros(2), np.zeros(4), np.zeros((3, 1)), np.zeros((1, 3))])
def test_label_shape_mismatch(entry, labels):
    with pytest.raises(ValueError, match=r"y has shape .* but the margins have shape \(3,\)"):
        _entry_points(FocalLoss())[entry](labels, Z)


# --------------------------------------------------------------------------- margins


@pytest.mark.parametrize("entry", ENTRY)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_margins(entry, bad, dtype):
    z = np.array([0.0, bad, 1.0], dtype=dtype)
    with pytest.raises(ValueError, match="margin contains NaN or infinite values"):
        _entry_points(FocalLoss())[entry](Y, z)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_margins_probability(bad):
    for calibrated in (True, False):
        with pytest.raises(ValueError, match="margin contains NaN or infinite values"):
            FocalLoss().probability(np.array([0.0, bad]), calibrated=calibrated)


@pytest.mark.parametrize(
    "margin", [np.array(["1", "2"]), np.array([1 + 0j, 2]), np.array([1, 2], dtype=np.float16)]
)
def test_margin_dtype(margin):
    with pytest.raises(TypeError, match="margin must be a float32 or float64 array"):
        FocalLoss().loss(np.array([0, 1]), margin)
    with pytest.raises(TypeError, match="margin must be a float32 or float64 array"):
        FocalLoss().probability(margin)


# --------------------------------------------------------------------------- empty input


@pytest.mark.parametrize("entry", ENTRY)
@pytest.mark.parametrize("shape", [(0,), (0, 2)])
def test_empty_input(entry, shape):
    with pytest.raises(ValueError, match="margin is empty"):
        _entry_points(FocalLoss())[entry](np.zeros(shape), np.zeros(shape))


def test_empty_input_init_margin_and_probability():
    with pytest.raises(ValueError, match="y is empty"):
        FocalLoss().init_margin(np.array([]))
    with pytest.raises(ValueError, match="y is empty"):
        FocalLoss(alpha="balanced").resolve_alpha(np.array([]))
    with pytest.raises(ValueError, match="margin is empty"):
        FocalLoss().probability(np.array([]))


# --------------------------------------------------------------------------- sample weights


@pytest.mark.parametrize("entry", ENTRY)
@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0, -0.5, 1.0], "sample_weight must be non-negative"),
        ([1.0, np.nan, 1.0], "sample_weight contains NaN or infinite values"),
        ([1.0, np.inf, 1.0], "sample_weight contains NaN or infinite values"),
        ([1.0, 1.0], r"sample_weight has shape \(2,\); expected \(3,\)"),
        ([[1.0, 1.0, 1.0]], r"sample_weight has shape \(1, 3\); expected \(3,\)"),
    ],
)
def test_bad_sample_weight(entry, weights, match):
    with pytest.raises(ValueError, match=match):
        _entry_points(FocalLoss())[entry](Y, Z, np.array(weights))


def test_sample_weight_shape_for_2d_margins():
    z = np.zeros((4, 2))
    y = np.zeros((4, 2))
    with pytest.raises(ValueError, match=re.escape("expected (4, 2) or (4,)")):
        FocalLoss().loss(y, z, np.ones(3))
    with pytest.raises(ValueError, match="sample_weight has shape"):
        FocalLoss().loss(y, z, np.ones((4, 1)))


@pytest.mark.parametrize("weights", [np.array(["1", "1", "1"]), np.array([True, True, False])])
def test_non_numeric_sample_weight(weights):
    with pytest.raises(TypeError, match="sample_weight must be numeric"):
        FocalLoss().loss(Y, Z, weights)


def test_zero_total_weight():
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        FocalLoss().init_margin(Y, np.zeros(3))
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        FocalLoss(alpha="balanced").loss(Y, Z, np.zeros(3))
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        FocalLoss().init_margin(np.ones((3, 2)), np.array([[1.0, 0.0]] * 3))


def test_bad_sample_weight_init_margin():
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        FocalLoss().init_margin(Y, np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="sample_weight has shape"):
        FocalLoss().init_margin(Y, np.ones(5))


# --------------------------------------------------------------------------- alpha, gamma, hessian


@pytest.mark.parametrize(
    "alpha", [-0.1, 1.1, 2, np.nan, np.inf, -np.inf, [0.5, 1.5], [np.nan, 0.5], np.float64(-1)]
)
def test_alpha_out_of_range(alpha):
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        FocalLoss(alpha=alpha)


@pytest.mark.parametrize("alpha", [True, False, np.bool_(True)])
def test_alpha_bool(alpha):
    with pytest.raises(TypeError, match=r"alpha must be .* got a bool"):
        FocalLoss(alpha=alpha)


@pytest.mark.parametrize("alpha", ["balance", "Balanced", "", "auto"])
def test_alpha_unknown_string(alpha):
    with pytest.raises(ValueError, match=r"alpha must be a float in \[0, 1\], None or 'balanced'"):
        FocalLoss(alpha=alpha)


@pytest.mark.parametrize("alpha", [[], [[0.1, 0.2]], np.zeros((2, 2))])
def test_alpha_bad_shape(alpha):
    with pytest.raises(ValueError, match="alpha must be a scalar or a non-empty 1-D sequence"):
        FocalLoss(alpha=alpha)


@pytest.mark.parametrize("alpha", [["0.1"], {"a": 1}, 0.5j])
def test_alpha_wrong_type(alpha):
    with pytest.raises(TypeError, match="alpha must be a float"):
        FocalLoss(alpha=alpha)


@pytest.mark.parametrize("gamma", [-0.5, -1e-12, np.nan, np.inf, -np.inf, [1.0, -1.0], [np.nan]])
def test_gamma_invalid_value(gamma):
    with pytest.raises(ValueError, match="gamma must be finite and >= 0"):
        FocalLoss(gamma=gamma)


@pytest.mark.parametrize("gamma", [None, "2", True, np.bool_(False), 1j, ["2"]])
def test_gamma_wrong_type(gamma):
    with pytest.raises(TypeError, match="gamma must be a non-negative float"):
        FocalLoss(gamma=gamma)


@pytest.mark.parametrize("gamma", [[], [[1.0]]])
def test_gamma_bad_shape(gamma):
    with pytest.raises(ValueError, match="gamma must be a scalar or a non-empty 1-D sequence"):
        FocalLoss(gamma=gamma)


@pytest.mark.parametrize("hessian", ["exact ", "Upper", "none", "", "positive"])
def test_unknown_hessian_policy(hessian):
    with pytest.raises(ValueError, match=r"hessian must be one of 'upper', 'exact', 'clip', 'abs'"):
        FocalLoss(hessian=hessian)


# --------------------------------------------------------------------------- per-output vectors


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"alpha": [0.1, 0.2, 0.3]}, "alpha"),
        ({"gamma": [1.0, 2.0, 3.0]}, "gamma"),
        ({"alpha": [0.1, 0.2, 0.3], "gamma": 2.0}, "alpha"),
    ],
)
@pytest.mark.parametrize("shape", [(5,), (5, 2), (5, 4), (5, 3, 1), (3,)])
def test_per_output_length_mismatch(kwargs, name, shape):
    fl = FocalLoss(**kwargs)
    z = np.zeros(shape)
    y = np.zeros(shape)
    match = rf"{name} has 3 per-output values but the margins have shape"
    with pytest.raises(ValueError, match=match):
        fl.loss(y, z)
    with pytest.raises(ValueError, match=match):
        fl.grad_hess(y, z)
    with pytest.raises(ValueError, match=match):
        fl.init_margin(y)
    with pytest.raises(ValueError, match=match):
        fl.probability(z)


def test_per_output_matching_shape_is_accepted():
    fl = FocalLoss(alpha=[0.1, 0.2, 0.3], gamma=[0.0, 1.0, 2.0])
    z = np.zeros((5, 3))
    assert fl.loss(np.zeros((5, 3)), z).shape == (5, 3)
    assert fl.init_margin(np.full((5, 3), 0.5)).shape == (3,)
    assert fl.probability(z).shape == (5, 3)


def test_balanced_probability_needs_resolution():
    with pytest.raises(ValueError, match="alpha='balanced' has no value yet"):
        FocalLoss(alpha="balanced").probability(np.array([0.0, 1.0]))
