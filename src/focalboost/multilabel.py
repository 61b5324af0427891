"""Multi-label classification with the focal loss: one booster per label, or one multi-target booster.

:class:`FocalMultiLabelClassifier` takes an ``(n, k)`` 0/1 indicator matrix ``Y`` and trains either

- ``strategy="one_vs_rest"``: one binary focal booster per label column (XGBoost or LightGBM), in
  parallel over labels with joblib threads, or
- ``strategy="native"`` (XGBoost only): one booster with ``k`` targets whose custom objective returns
  ``(n, k)`` gradients and Hessians, trees per target (``multi_strategy="one_output_per_tree"``) or
  vector-leaf trees (``"multi_output_tree"``).

Every label has its own ``alpha``, ``gamma`` and focal-optimal intercept, and ``predict_proba`` returns
calibrated probabilities (:meth:`FocalLoss.probability`).  A label column with a single value in
training gets no booster: its prediction is that constant, with a :class:`ConstantLabelWarning`.

Persistence: ``pickle``/``joblib`` work as usual; :meth:`FocalMultiLabelClassifier.save` writes each
booster's native model file plus a small JSON file of metadata, read back by
:meth:`FocalMultiLabelClassifier.load`.
"""

from __future__ import annotations

import json
import numbers
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, MultiOutputMixin
from sklearn.utils.validation import check_is_fitted, check_random_state

from focalboost import __version__
from focalboost._engines import require
from focalboost._validation import check_alpha, check_float32_weight, check_gamma
from focalboost.loss import INIT_MARGIN_BOUND, FocalLoss

__all__ = ["ConstantLabelWarning", "FocalMultiLabelClassifier"]

BACKENDS = ("xgboost", "lightgbm")
STRATEGIES = ("one_vs_rest", "native")
MULTI_STRATEGIES = ("one_output_per_tree", "multi_output_tree")
#: Name of the metadata file written by :meth:`FocalMultiLabelClassifier.save`.
METADATA_FILE = "focalboost_multilabel.json"
_FORMAT = "focalboost.FocalMultiLabelClassifier"
_FORMAT_VERSION = 1

# engine_params keys that would silently override an estimator parameter or the focal setup.
_RESERVED = {
    "xgboost": {
        "objective": "the focal objective is set by the estimator",
        "base_score": "the per-label focal-optimal intercept is set by the estimator",
        "eta": "use learning_rate",
        "learning_rate": "use learning_rate",
        "max_depth": "use max_depth",
        "nthread": "use n_jobs",
        "n_jobs": "use n_jobs",
        "seed": "use random_state",
        "random_state": "use random_state",
        "multi_strategy": "use multi_strategy",
        "num_boost_round": "use n_estimators",
        "n_estimators": "use n_estimators",
        "num_class": "each label is a binary focal problem",
        "scale_pos_weight": "a custom objective ignores it; use alpha or sample_weight",
    },
    "lightgbm": {
        **{
            key: "the focal objective is set by the estimator"
            for key in ("objective", "objective_type", "app", "application", "loss")
        },
        **{key: "use learning_rate" for key in ("learning_rate", "shrinkage_rate", "eta")},
        "max_depth": "use max_depth",
        **{
            key: "use n_jobs"
            for key in ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs")
        },
        **{key: "use random_state" for key in ("seed", "random_seed", "random_state")},
        **{
            key: "use n_estimators"
            for key in (
                "num_iterations",
                "num_iteration",
                "n_iter",
                "num_tree",
                "num_trees",
                "num_round",
                "num_rounds",
                "nrounds",
                "num_boost_round",
                "n_estimators",
                "max_iter",
            )
        },
        "init_score": "the per-label focal-optimal intercept is set by the estimator",
        **{key: "each label is a binary focal problem" for key in ("num_class", "num_classes")},
        **{
            key: "a custom objective ignores it; use alpha or sample_weight"
            for key in ("scale_pos_weight", "is_unbalance", "unbalance", "unbalanced_sets")
        },
        "categorical_feature": "use categorical_features",
        "categorical_column": "use categorical_features",
        "cat_feature": "use categorical_features",
        "categorical_features": "use categorical_features",
    },
}


class ConstantLabelWarning(UserWarning):
    """A label column has a single value in training; its prediction is that constant."""


class FocalMultiLabelClassifier(ClassifierMixin, MultiOutputMixin, BaseEstimator):  # type: ignore[misc]
    r"""Multi-label gradient boosting with a per-label focal loss.

    Parameters
    ----------
    backend : {"xgboost", "lightgbm"}, default="xgboost"
        Boosting engine.
    strategy : {"one_vs_rest", "native"}, default="one_vs_rest"
        ``"one_vs_rest"``: one binary booster per label, trained in parallel over labels.
        ``"native"`` (XGBoost only): one booster with ``k`` targets; its objective returns ``(n, k)``
        gradients and Hessians, each label with its own ``alpha``/``gamma``.
    alpha : float in [0, 1], None, "balanced" or sequence of k floats, default=0.25
        Focal class weight per label (see :class:`FocalLoss`); a scalar applies to every label,
        ``"balanced"`` is ``1 -`` the (weighted) positive rate of each column.
    gamma : float >= 0 or sequence of k floats, default=2.0
        Focusing parameter per label.
    hessian : {"upper", "exact", "clip", "abs"}, default="upper"
        Curvature policy of the focal objective (see :class:`FocalLoss`).
    n_estimators : int, default=100
        Boosting rounds per booster.
    learning_rate : float, default=0.1
        Shrinkage.
    max_depth : int or None, default=None
        Tree depth; None keeps the engine's default (XGBoost 6, LightGBM unlimited with 31 leaves).
    multi_strategy : {"one_output_per_tree", "multi_output_tree"} or None, default=None
        Tree type of the native strategy: one tree per target and round (XGBoost's default,
        used when None) or one tree with a vector of ``k`` values per leaf.  Must be None with
        ``strategy="one_vs_rest"``.
    categorical_features : sequence of int or None, default=None
        Columns of ``X`` holding nominal category codes (non-negative integers, NaN = missing),
        declared to the engine as categorical.
    n_jobs : int or None, default=None
        Threads in total, joblib style (None = 1, -1 = all cores).  One-vs-rest trains
        ``min(n_jobs, k)`` labels at a time, each booster with ``n_jobs // that`` threads (so
        usually one); the native strategy gives all of them to its single booster.  Labels run in
        joblib threads (the engines release the GIL while they build trees; no process start-up,
        no copy of ``X``); ``joblib.parallel_config(backend="loky")`` switches to processes.
        Results do not depend on ``n_jobs`` or the joblib backend.
    calibrated : bool, default=True
        If True, ``predict_proba`` inverts the focal-optimal margin per label
        (:meth:`FocalLoss.probability`), giving probabilities calibrated like log-loss ones.  False
        gives the raw sigmoid of the margin, which a focal-trained model biases towards 0.5.
    random_state : int, RandomState or None, default=None
        Seed for the engines' random choices (row/column subsampling); None keeps their default.
    engine_params : dict or None, default=None
        Further engine parameters (e.g. ``{"subsample": 0.8, "min_child_weight": 0.1}`` or
        ``{"num_leaves": 15}``).  Keys that an argument above controls are refused.

    Attributes
    ----------
    n_labels_ : int
        Number of label columns ``k``.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it had string column names.
    alpha_ : ndarray of shape (k,) or None
        Class weight used for each label (``"balanced"`` resolved); None when ``alpha=None``.
    gamma_ : ndarray of shape (k,)
        Focusing parameter of each label.
    intercept_ : ndarray of shape (k,)
        The focal-optimal constant margin of each label (:meth:`FocalLoss.init_margin`), the
        boosters' starting point.
    label_rate_ : ndarray of shape (k,)
        Weighted positive rate of each label in training.
    constant_labels_ : ndarray of bool, shape (k,)
        Labels with a single value in training; they are predicted as that constant.
    boosters_ : list of xgboost.Booster or lightgbm.Booster
        The trained boosters (one per non-constant label, or one multi-target booster).
    booster_labels_ : list of ndarray of int
        For each booster, the label columns its outputs predict.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4))
    >>> Y = np.column_stack([X[:, 0] > 1, X[:, 1] + X[:, 2] > 0]).astype(int)
    >>> clf = FocalMultiLabelClassifier(n_estimators=20, alpha=[0.25, 0.5]).fit(X, Y)
    >>> clf.predict_proba(X).shape
    (300, 2)
    >>> clf.predict(X, threshold=[0.3, 0.5]).shape
    (300, 2)
    """

    def __init__(
        self,
        backend: str = "xgboost",
        strategy: str = "one_vs_rest",
        *,
        alpha: float | str | ArrayLike | None = 0.25,
        gamma: float | ArrayLike = 2.0,
        hessian: str = "upper",
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        max_depth: int | None = None,
        multi_strategy: str | None = None,
        categorical_features: Sequence[int] | None = None,
        n_jobs: int | None = None,
        calibrated: bool = True,
        random_state: int | np.random.RandomState | None = None,
        engine_params: Mapping[str, Any] | None = None,
    ) -> None:
        self.backend = backend
        self.strategy = strategy
        self.alpha = alpha
        self.gamma = gamma
        self.hessian = hessian
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.multi_strategy = multi_strategy
        self.categorical_features = categorical_features
        self.n_jobs = n_jobs
        self.calibrated = calibrated
        self.random_state = random_state
        self.engine_params = engine_params

    # ------------------------------------------------------------------ scikit-learn tags
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------ fit
    def fit(
        self, X: ArrayLike, Y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> FocalMultiLabelClassifier:
        """Train on features ``X`` (n, d) and a 0/1 indicator matrix ``Y`` (n, k).

        Parameters
        ----------
        X : array-like of shape (n, d)
            Numeric features; NaN marks a missing value.
        Y : array-like of shape (n, k)
            0/1 (or boolean) label indicators, one column per label.
        sample_weight : array-like of shape (n,), optional
            Non-negative row weights (they also weight the intercepts and ``"balanced"``).

        Returns
        -------
        self
        """
        self._check_config()
        X_arr = self._check_X(X, fitting=True)
        Y_arr = _check_Y(Y, X_arr.shape[0])
        w = _check_sample_weight(sample_weight, X_arr.shape[0])
        n, k = Y_arr.shape
        cats = self._check_categorical(X_arr)
        gamma = _per_label(self.gamma, k, "gamma", check_gamma)
        weights = np.ones(n) if w is None else w
        rate = np.average(Y_arr, axis=0, weights=weights)
        # A label is constant when every row that carries weight has the same value.
        positive_weight = weights > 0
        constant = np.array(
            [np.unique(Y_arr[positive_weight, j]).size == 1 for j in range(k)], dtype=bool
        )
        if self.alpha is None:
            alpha: NDArray[np.float64] | None = None
        elif isinstance(self.alpha, str):
            check_alpha(self.alpha)  # only "balanced" passes
            alpha = 1.0 - rate
        else:
            alpha = _per_label(self.alpha, k, "alpha", check_alpha)
            if np.any((alpha == 0.0) | (alpha == 1.0)):
                raise ValueError(
                    f"alpha={_jsonable(self.alpha)!r} gives one class of a label zero weight: the "
                    "model ignores that class and its calibrated probabilities are undefined; "
                    "use values strictly between 0 and 1"
                )
        if constant.any():
            labels = ", ".join(
                f"{j} ({'all 1' if rate[j] == 1 else 'all 0'})" for j in np.flatnonzero(constant)
            )
            warnings.warn(
                f"label column(s) {labels} have a single value in training; they get no booster "
                "and are predicted as that constant",
                ConstantLabelWarning,
                stacklevel=2,
            )
        intercept = np.array(
            [
                FocalLoss(
                    alpha=None if alpha is None else float(alpha[j]), gamma=float(gamma[j])
                ).init_margin(Y_arr[:, j], w)
                for j in range(k)
            ],
            dtype=np.float64,
        )
        # A constant column's intercept is the bound on its side, whatever alpha is (a balanced
        # alpha of 0 or 1 would zero one class weight and leave the optimum undefined).
        intercept[constant] = np.where(rate[constant] == 1, INIT_MARGIN_BOUND, -INIT_MARGIN_BOUND)
        seed = self._seed()
        fit_idx = np.flatnonzero(~constant)
        n_threads = _effective_n_jobs(self.n_jobs)
        boosters: list[Any] = []
        booster_labels: list[NDArray[np.intp]] = []
        if fit_idx.size and self.strategy == "native":
            loss = self._loss(alpha, gamma, fit_idx)
            boosters.append(
                _train_one(
                    "xgboost",
                    X_arr,
                    Y_arr[:, fit_idx] if fit_idx.size > 1 else Y_arr[:, fit_idx[0]],
                    w,
                    loss,
                    self._engine_params("xgboost", n_threads, seed, native=True),
                    int(self.n_estimators),
                    cats,
                )
            )
            booster_labels.append(fit_idx)
        elif fit_idx.size:
            joblib = require("joblib")
            workers = min(n_threads, fit_idx.size)
            params = self._engine_params(self.backend, max(1, n_threads // workers), seed)
            boosters = joblib.Parallel(n_jobs=workers, prefer="threads")(
                joblib.delayed(_train_one)(
                    self.backend,
                    X_arr,
                    Y_arr[:, j],
                    w,
                    self._loss(alpha, gamma, np.array([j])),
                    params,
                    int(self.n_estimators),
                    cats,
                )
                for j in fit_idx
            )
            booster_labels = [np.array([j]) for j in fit_idx]
        self.n_labels_ = k
        self.alpha_ = alpha
        self.gamma_ = gamma
        self.intercept_ = intercept
        self.label_rate_ = rate
        self.constant_labels_ = constant
        self.boosters_ = boosters
        self.booster_labels_ = booster_labels
        return self

    # ------------------------------------------------------------------ predict
    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Raw margins, shape (n, k), intercepts included.

        A constant label's margin is its intercept (the focal-optimal constant, ``±15`` for a
        column that is all 1 or all 0).
        """
        check_is_fitted(self, "boosters_")
        X_arr = self._check_X(X, fitting=False)
        margin = np.empty((X_arr.shape[0], self.n_labels_), dtype=np.float64)
        margin[:, self.constant_labels_] = self.intercept_[self.constant_labels_]
        if not self.boosters_:
            return margin
        cats = self._categorical_indices()
        if self.backend == "xgboost":
            fxgb = require("focalboost.xgb")
            dmat = _dmatrix(X_arr, None, None, cats, _effective_n_jobs(self.n_jobs))
            for booster, labels in zip(self.boosters_, self.booster_labels_, strict=True):
                out = np.asarray(fxgb.predict_margin(booster, dmat), dtype=np.float64)
                margin[:, labels] = out.reshape(X_arr.shape[0], labels.size)
        else:
            for booster, labels in zip(self.boosters_, self.booster_labels_, strict=True):
                out = np.asarray(booster.predict(X_arr, raw_score=True), dtype=np.float64)
                margin[:, labels] = out.reshape(X_arr.shape[0], labels.size)
        return margin

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Probability of each label, shape (n, k).

        With ``calibrated=True`` (default) each column is ``FocalLoss(alpha_j, gamma_j).probability``
        of that label's margin, the probability at which the margin is focal-optimal; with
        ``calibrated=False`` it is ``sigmoid(margin)``.  A constant label's column is its training
        value (0 or 1).
        """
        margin = self.decision_function(X)
        proba = np.empty_like(margin)
        fit_idx = np.flatnonzero(~self.constant_labels_)
        if fit_idx.size:
            loss = self._loss(self.alpha_, self.gamma_, fit_idx)
            proba[:, fit_idx] = loss.probability(
                np.ascontiguousarray(margin[:, fit_idx]), calibrated=bool(self.calibrated)
            ).reshape(margin.shape[0], fit_idx.size)
        proba[:, self.constant_labels_] = self.label_rate_[self.constant_labels_]
        return proba

    def predict(self, X: ArrayLike, threshold: float | ArrayLike = 0.5) -> NDArray[np.int64]:
        """0/1 indicator predictions, shape (n, k): ``predict_proba(X) >= threshold``.

        Parameters
        ----------
        X : array-like of shape (n, d)
        threshold : float or sequence of k floats in [0, 1], default=0.5
            One threshold for every label, or one per label.
        """
        check_is_fitted(self, "boosters_")
        thr = _per_label(threshold, self.n_labels_, "threshold", _check_threshold)
        out: NDArray[np.int64] = (self.predict_proba(X) >= thr).astype(np.int64)
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> None:
        """Write the fitted model to the directory ``path`` (created if needed).

        Files: ``focalboost_multilabel.json`` (parameters, per-label alpha/gamma/intercept/rate,
        constant labels, and which booster predicts which labels) and one native model file per
        booster, ``booster_<i>.json`` (XGBoost ``save_model``) or ``booster_<i>.txt`` (LightGBM
        ``save_model``).  Read it back with :meth:`load`.  ``engine_params`` must be JSON-serialisable;
        a ``RandomState`` ``random_state`` is stored as null.
        """
        check_is_fitted(self, "boosters_")
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        params = self.get_params(deep=False)
        params["alpha"] = _jsonable(params["alpha"])
        params["gamma"] = _jsonable(params["gamma"])
        if params["categorical_features"] is not None:
            params["categorical_features"] = [int(c) for c in params["categorical_features"]]
        if not isinstance(params["random_state"], (numbers.Integral, type(None))):
            params["random_state"] = None
        suffix = ".json" if self.backend == "xgboost" else ".txt"
        files = []
        for i, (booster, labels) in enumerate(
            zip(self.boosters_, self.booster_labels_, strict=True)
        ):
            name = f"booster_{i}{suffix}"
            booster.save_model(str(directory / name))
            files.append({"file": name, "labels": [int(j) for j in labels]})
        meta = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "focalboost_version": __version__,
            "params": params,
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": (
                [str(c) for c in self.feature_names_in_]
                if hasattr(self, "feature_names_in_")
                else None
            ),
            "n_labels": int(self.n_labels_),
            "alpha": None if self.alpha_ is None else [float(v) for v in self.alpha_],
            "gamma": [float(v) for v in self.gamma_],
            "intercept": [float(v) for v in self.intercept_],
            "label_rate": [float(v) for v in self.label_rate_],
            "constant_labels": [bool(v) for v in self.constant_labels_],
            "boosters": files,
        }
        try:
            text = json.dumps(meta, indent=1)
        except TypeError as exc:
            raise TypeError(
                f"cannot save: a parameter is not JSON-serialisable ({exc}); engine_params must "
                "hold only JSON values for save(); use pickle or joblib instead"
            ) from exc
        (directory / METADATA_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> FocalMultiLabelClassifier:
        """Read a model written by :meth:`save` from the directory ``path``."""
        directory = Path(path)
        meta_path = directory / METADATA_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"{meta_path} not found: not a directory written by save()")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT or meta.get("format_version") != _FORMAT_VERSION:
            raise ValueError(
                f"{meta_path} is not a {_FORMAT} file of format version {_FORMAT_VERSION}"
            )
        est = cls(**meta["params"])
        est._check_config()
        boosters: list[Any] = []
        for entry in meta["boosters"]:
            file = str(directory / entry["file"])
            if est.backend == "xgboost":
                booster = require("xgboost").Booster(model_file=file)
                booster.set_param({"nthread": _effective_n_jobs(est.n_jobs)})
            else:
                booster = require("lightgbm").Booster(model_file=file)
            boosters.append(booster)
        est.n_features_in_ = int(meta["n_features_in"])
        if meta["feature_names_in"] is not None:
            est.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
        est.n_labels_ = int(meta["n_labels"])
        est.alpha_ = None if meta["alpha"] is None else np.asarray(meta["alpha"], dtype=np.float64)
        est.gamma_ = np.asarray(meta["gamma"], dtype=np.float64)
        est.intercept_ = np.asarray(meta["intercept"], dtype=np.float64)
        est.label_rate_ = np.asarray(meta["label_rate"], dtype=np.float64)
        est.constant_labels_ = np.asarray(meta["constant_labels"], dtype=bool)
        est.booster_labels_ = [np.asarray(e["labels"], dtype=np.intp) for e in meta["boosters"]]
        est.boosters_ = boosters
        return est

    # ------------------------------------------------------------------ internals
    def _check_config(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if self.strategy == "native" and self.backend != "xgboost":
            raise ValueError(
                "strategy='native' needs backend='xgboost': LightGBM has no multi-target boosting "
                "for a custom objective; use strategy='one_vs_rest'"
            )
        if self.multi_strategy is not None:
            if self.multi_strategy not in MULTI_STRATEGIES:
                raise ValueError(
                    f"multi_strategy must be None or one of {MULTI_STRATEGIES}, "
                    f"got {self.multi_strategy!r}"
                )
            if self.strategy != "native":
                raise ValueError(
                    "multi_strategy applies to strategy='native' only; leave it None with "
                    f"strategy={self.strategy!r}"
                )
        _check_int(self.n_estimators, "n_estimators", 1)
        if self.max_depth is not None:
            _check_int(self.max_depth, "max_depth", 1)
        if (
            isinstance(self.learning_rate, bool)
            or not isinstance(self.learning_rate, numbers.Real)
            or not np.isfinite(self.learning_rate)
            or self.learning_rate <= 0
        ):
            raise ValueError(f"learning_rate must be a positive float, got {self.learning_rate!r}")
        if self.n_jobs is not None:
            _check_int(self.n_jobs, "n_jobs", None)
            if self.n_jobs == 0:
                raise ValueError("n_jobs must be a non-zero int or None, got 0")
        if not isinstance(self.calibrated, (bool, np.bool_)):
            raise TypeError(f"calibrated must be a bool, got {self.calibrated!r}")
        FocalLoss(hessian=self.hessian)  # validates the policy name
        if self.engine_params is not None:
            if not isinstance(self.engine_params, Mapping):
                raise TypeError(
                    f"engine_params must be a dict or None, got {type(self.engine_params).__name__}"
                )
            reserved = _RESERVED[self.backend]
            for key in self.engine_params:
                if key in reserved:
                    raise ValueError(f"engine_params[{key!r}] is not allowed: {reserved[key]}")
            if self.backend == "lightgbm":
                for key in ("boosting", "boosting_type", "boost"):
                    if self.engine_params.get(key) in ("rf", "random_forest"):
                        raise ValueError(
                            f"engine_params[{key!r}]={self.engine_params[key]!r} is not allowed: "
                            "LightGBM's random forest mode does not take a custom objective"
                        )

    def _check_X(self, X: ArrayLike, *, fitting: bool) -> NDArray[np.float64]:
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError("X must be a dense array; sparse matrices are not supported")
        columns = getattr(X, "columns", None)
        dtypes = getattr(X, "dtypes", None)
        if columns is not None and dtypes is not None:
            categorical = [
                str(c)
                for c, t in zip(columns, dtypes, strict=False)
                if getattr(t, "name", None) == "category"
            ]
            if categorical:
                raise TypeError(
                    f"X column(s) {categorical} have pandas 'category' dtype, whose values would be "
                    "read as plain numbers; encode them as integer codes (e.g. X[c].cat.codes, "
                    "with -1 replaced by NaN) and list their indices in categorical_features"
                )
        try:
            arr = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"X must be numeric: {exc}") from exc
        if arr.ndim != 2:
            raise ValueError(
                f"X must be 2-D of shape (n_samples, n_features), got shape {arr.shape}"
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"X is empty (shape {arr.shape})")
        if np.isinf(arr).any():
            raise ValueError("X contains infinite values (NaN is allowed and means missing)")
        names = (
            np.asarray([str(c) for c in columns], dtype=object)
            if columns is not None and all(isinstance(c, str) for c in columns)
            else None
        )
        if fitting:
            self.n_features_in_ = arr.shape[1]
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            if arr.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {arr.shape[1]} features, but the model was fitted with "
                    f"{self.n_features_in_}"
                )
            fitted_names = getattr(self, "feature_names_in_", None)
            if fitted_names is not None and names is not None and list(names) != list(fitted_names):
                raise ValueError("X has different feature names from those seen in fit")
        return np.ascontiguousarray(arr)

    def _categorical_indices(self) -> list[int]:
        return (
            [] if self.categorical_features is None else [int(c) for c in self.categorical_features]
        )

    def _check_categorical(self, X: NDArray[np.float64]) -> list[int]:
        if self.categorical_features is None:
            return []
        if isinstance(self.categorical_features, (str, bytes)) or not isinstance(
            self.categorical_features, Sequence | np.ndarray
        ):
            raise TypeError(
                "categorical_features must be a sequence of column indices, "
                f"got {self.categorical_features!r}"
            )
        cats: list[int] = []
        for c in self.categorical_features:
            if isinstance(c, (bool, np.bool_)) or not isinstance(c, numbers.Integral):
                raise TypeError(f"categorical_features must hold column indices (int), got {c!r}")
            if not 0 <= int(c) < X.shape[1]:
                raise ValueError(
                    f"categorical_features index {c} is out of range for {X.shape[1]} features"
                )
            col = X[:, int(c)]
            col = col[~np.isnan(col)]
            if (col < 0).any() or (col != np.round(col)).any():
                raise ValueError(
                    f"categorical column {c} must hold non-negative integer codes (NaN = missing)"
                )
            cats.append(int(c))
        if len(set(cats)) != len(cats):
            raise ValueError("categorical_features has repeated indices")
        return cats

    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, numbers.Integral) and not isinstance(
            self.random_state, bool
        ):
            return int(self.random_state)
        rng = check_random_state(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _loss(
        self,
        alpha: NDArray[np.float64] | None,
        gamma: NDArray[np.float64],
        labels: NDArray[np.intp],
    ) -> FocalLoss:
        if labels.size == 1:
            j = int(labels[0])
            return FocalLoss(
                alpha=None if alpha is None else float(alpha[j]),
                gamma=float(gamma[j]),
                hessian=self.hessian,
            )
        return FocalLoss(
            alpha=None if alpha is None else alpha[labels],
            gamma=gamma[labels],
            hessian=self.hessian,
        )

    def _engine_params(
        self, backend: str, threads: int, seed: int | None, *, native: bool = False
    ) -> dict[str, Any]:
        params: dict[str, Any]
        if backend == "xgboost":
            params = {"tree_method": "hist", "eta": float(self.learning_rate), "nthread": threads}
            if self.max_depth is not None:
                params["max_depth"] = int(self.max_depth)
            if seed is not None:
                params["seed"] = seed
            if native:
                params["multi_strategy"] = self.multi_strategy or "one_output_per_tree"
        else:
            params = {
                "learning_rate": float(self.learning_rate),
                "num_threads": threads,
                "verbose": -1,
            }
            if self.max_depth is not None:
                params["max_depth"] = int(self.max_depth)
            if seed is not None:
                params["seed"] = seed
        params.update(self.engine_params or {})
        return params


# ---------------------------------------------------------------------- training (module level: picklable)
def _train_one(
    backend: str,
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64] | None,
    loss: FocalLoss,
    params: dict[str, Any],
    num_boost_round: int,
    cats: list[int],
) -> Any:
    """One focal booster on labels ``y`` of shape (n,) or (n, k); the intercept is set by the helper."""
    if backend == "xgboost":
        fxgb = require("focalboost.xgb")
        dtrain = _dmatrix(X, y, w, cats, int(params.get("nthread", 1)))
        return fxgb.train(params, dtrain, num_boost_round, loss=loss)
    lgb = require("lightgbm")
    flgb = require("focalboost.lgb")
    train_set = lgb.Dataset(
        X,
        label=y,
        weight=w,
        categorical_feature=cats if cats else "auto",
        params={"verbose": -1},
        free_raw_data=True,
    )
    booster = flgb.train(params, train_set, num_boost_round, loss=loss)
    booster.free_dataset()
    return booster


def _dmatrix(
    X: NDArray[np.float64],
    y: NDArray[np.float64] | None,
    w: NDArray[np.float64] | None,
    cats: list[int],
    nthread: int,
) -> Any:
    xgb = require("xgboost")
    if cats:
        types = ["c" if j in cats else "q" for j in range(X.shape[1])]
        return xgb.DMatrix(
            X, label=y, weight=w, nthread=nthread, feature_types=types, enable_categorical=True
        )
    return xgb.DMatrix(X, label=y, weight=w, nthread=nthread)


# ---------------------------------------------------------------------- validation helpers
def _check_Y(Y: ArrayLike, n: int) -> NDArray[np.float64]:
    if hasattr(Y, "toarray"):
        Y = Y.toarray()
    arr = np.asarray(Y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Y must be a numeric 0/1 indicator matrix, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(
            f"Y must be 2-D of shape (n_samples, n_labels), got shape {arr.shape}; "
            "for a single label pass Y of shape (n, 1)"
        )
    if arr.shape[1] == 0:
        raise ValueError("Y has no label columns (k = 0)")
    if arr.shape[0] != n:
        raise ValueError(f"X has {n} rows but Y has {arr.shape[0]}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError("Y contains NaN; every label must be 0 or 1")
    if arr.dtype.kind != "b" and not np.isin(arr, (0, 1)).all():
        bad = np.unique(arr[~np.isin(arr, (0, 1))])[:5]
        raise ValueError(f"Y must hold only 0 and 1; found {bad.tolist()}")
    return arr.astype(np.float64)


def _check_sample_weight(sample_weight: ArrayLike | None, n: int) -> NDArray[np.float64] | None:
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"sample_weight must be numeric, got dtype {w.dtype}")
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and non-negative")
    if not (w > 0).any():
        raise ValueError("sample_weight is zero for every row")
    w = w.astype(np.float64)
    check_float32_weight(w, "sample_weight")
    return w


def _per_label(value: Any, k: int, name: str, check: Any) -> NDArray[np.float64]:
    """A scalar or length-k parameter as a (k,) float array, validated by ``check``."""
    checked = check(value)
    arr = np.asarray(checked, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(k, float(arr))
    if arr.shape != (k,):
        raise ValueError(f"{name} has {arr.size} values but there are {k} labels (columns of Y)")
    return arr


def _check_threshold(value: Any) -> float | NDArray[np.float64]:
    if isinstance(value, (bool, np.bool_, str)):
        raise TypeError(f"threshold must be a float in [0, 1] or one per label, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or arr.ndim > 1:
        raise TypeError(f"threshold must be a float in [0, 1] or one per label, got {value!r}")
    if np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any():
        raise ValueError(f"threshold must lie in [0, 1], got {value!r}")
    return float(arr) if arr.ndim == 0 else arr.astype(np.float64)


def _check_int(value: Any, name: str, minimum: int | None) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _effective_n_jobs(n_jobs: int | None) -> int:
    joblib = require("joblib")
    return int(joblib.effective_n_jobs(n_jobs))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [float(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [float(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
