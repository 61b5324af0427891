"""scikit-learn's estimator checks for the focal-loss classifiers."""

from __future__ import annotations

import inspect

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")

from sklearn.utils.estimator_checks import parametrize_with_checks

from focalboost import FocalLGBMClassifier, FocalXGBClassifier

ESTIMATORS = [
    FocalXGBClassifier(n_estimators=5, n_jobs=1),
    FocalXGBClassifier(n_estimators=5, n_jobs=1, calibrated=False, alpha="balanced", gamma=1.0),
    FocalLGBMClassifier(n_estimators=5, learning_rate=0.3, n_jobs=1),
    FocalLGBMClassifier(
        n_estimators=5, learning_rate=0.3, n_jobs=1, calibrated=False, alpha=None, gamma=0.5
    ),
]


def expected_failed_checks(estimator: object) -> dict[str, str]:
    """Every check that is expected to fail, with the reason."""
    failures: dict[str, str] = {}
    if getattr(estimator, "calibrated", False):
        failures["check_classifiers_train"] = (
            "asserts predict == (decision_function > 0); with calibrated=True predict thresholds "
            "the calibrated probability at 0.5, which is not margin 0 (tested directly in "
            "test_classifiers.py::test_predict_thresholds_calibrated_probability); the check "
            "passes for calibrated=False"
        )
    if isinstance(estimator, FocalXGBClassifier):
        reason = (
            "XGBoost takes float32 gradients: grad * weight rounds differently from adding the "
            "repeated rows' gradients, so probabilities agree only to ~1e-7 relative (1-2 "
            "float32 ulps), not rtol=1e-7; equivalence to float32 precision is tested in "
            "test_classifiers.py::test_weights_equal_repetition"
        )
        failures["check_sample_weight_equivalence_on_dense_data"] = reason
        failures["check_sample_weight_equivalence_on_sparse_data"] = reason
    return failures


def _check_name(check: object) -> str:
    func = getattr(check, "func", check)  # checks are functools.partial objects
    return str(getattr(func, "__name__", func))


if "expected_failed_checks" in inspect.signature(parametrize_with_checks).parameters:

    @parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
    def test_sklearn_compatible(estimator: object, check: object) -> None:
        check(estimator)  # type: ignore[operator]

else:  # scikit-learn < 1.6 has no expected_failed_checks: mark the same checks as xfail here

    @parametrize_with_checks(ESTIMATORS)
    def test_sklearn_compatible(
        estimator: object, check: object, request: pytest.FixtureRequest
    ) -> None:
        failures = expected_failed_checks(estimator)
        if isinstance(estimator, FocalLGBMClassifier):
            failures["check_classifiers_classes"] = (
                "scikit-learn < 1.6 also asserts that predictions on the 20-row training set "
                "contain both classes; LightGBM's default min_child_samples=20 grows no split "
                "on 20 rows, so the model is its constant intercept (plain LGBMClassifier "
                "predicts a single class there too); later scikit-learn checks only classes_"
            )
        reason = failures.get(_check_name(check))
        if reason is not None:
            request.applymarker(pytest.mark.xfail(reason=reason))
        check(estimator)  # type: ignore[operator]
