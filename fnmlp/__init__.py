"""fnmlp: a small, typed, purely functional numpy library for multilayer perceptrons.

``init -> forward -> loss -> backward -> update``, and ``train`` as a fold over
epochs. Everything is re-exported here; see each module for the details.

Examples:
    >>> import numpy as np
    >>> import fnmlp
    >>> X, Y = [[0, 0, 1, 1], [0, 1, 0, 1]], [[0, 1, 1, 0]]
    >>> params = fnmlp.init([2, 4, 1], hidden=fnmlp.tanh, seed=0)
    >>> result = fnmlp.train(params, X, Y, loss=fnmlp.binary_cross_entropy,
    ...                      optimizer=fnmlp.sgd(1.0), epochs=2000)
    >>> print(fnmlp.predict(result.params, X))
    [[0 1 1 0]]
"""

from fnmlp.activations import ACTIVATIONS as ACTIVATIONS
from fnmlp.activations import Activation as Activation
from fnmlp.activations import leaky_relu as leaky_relu
from fnmlp.activations import linear as linear
from fnmlp.activations import relu as relu
from fnmlp.activations import sigmoid as sigmoid
from fnmlp.activations import softmax as softmax
from fnmlp.activations import tanh as tanh
from fnmlp.callbacks import EarlyStopping as EarlyStopping
from fnmlp.callbacks import Plateau as Plateau
from fnmlp.callbacks import ReduceLROnPlateau as ReduceLROnPlateau
from fnmlp.classes import Labels as Labels
from fnmlp.classes import labels as labels
from fnmlp.classes import labels_of as labels_of
from fnmlp.classes import one_hot as one_hot
from fnmlp.errors import DivergenceError as DivergenceError
from fnmlp.errors import DTypeError as DTypeError
from fnmlp.errors import FileError as FileError
from fnmlp.errors import FnmlpError as FnmlpError
from fnmlp.errors import HyperparameterError as HyperparameterError
from fnmlp.errors import LabelError as LabelError
from fnmlp.errors import NonFiniteError as NonFiniteError
from fnmlp.errors import SerialisationError as SerialisationError
from fnmlp.errors import ShapeError as ShapeError
from fnmlp.errors import TrainingInterrupted as TrainingInterrupted
from fnmlp.gradcheck import gradient_check as gradient_check
from fnmlp.gradreport import ArrayCheck as ArrayCheck
from fnmlp.gradreport import GradientCheck as GradientCheck
from fnmlp.gradreport import LayerCheck as LayerCheck
from fnmlp.initialisers import SCHEMES as SCHEMES
from fnmlp.initialisers import init as init
from fnmlp.losses import LOSSES as LOSSES
from fnmlp.losses import Loss as Loss
from fnmlp.losses import binary_cross_entropy as binary_cross_entropy
from fnmlp.losses import categorical_cross_entropy as categorical_cross_entropy
from fnmlp.losses import loss as loss
from fnmlp.losses import mean_squared_error as mean_squared_error
from fnmlp.metrics import accuracy as accuracy
from fnmlp.metrics import class_sample_weight as class_sample_weight
from fnmlp.metrics import mse as mse
from fnmlp.metrics import predict as predict
from fnmlp.metrics import r2_score as r2_score
from fnmlp.optimisers import AdamState as AdamState
from fnmlp.optimisers import MomentumState as MomentumState
from fnmlp.optimisers import Optimizer as Optimizer
from fnmlp.optimisers import RMSPropState as RMSPropState
from fnmlp.optimisers import SgdState as SgdState
from fnmlp.optimisers import Update as Update
from fnmlp.optimisers import adam as adam
from fnmlp.optimisers import adamw as adamw
from fnmlp.optimisers import momentum as momentum
from fnmlp.optimisers import rmsprop as rmsprop
from fnmlp.optimisers import sgd as sgd
from fnmlp.propagation import backward as backward
from fnmlp.propagation import forward as forward
from fnmlp.propagation import gradient as gradient
from fnmlp.propagation import value_and_gradient as value_and_gradient
from fnmlp.records import Cache as Cache
from fnmlp.records import Grads as Grads
from fnmlp.records import Layer as Layer
from fnmlp.records import Params as Params
from fnmlp.runs import Fingerprint as Fingerprint
from fnmlp.runs import History as History
from fnmlp.runs import LogEntry as LogEntry
from fnmlp.runs import TrainResult as TrainResult
from fnmlp.runs import TrainState as TrainState
from fnmlp.schedules import Schedule as Schedule
from fnmlp.schedules import constant as constant
from fnmlp.schedules import cosine_decay as cosine_decay
from fnmlp.schedules import exponential_decay as exponential_decay
from fnmlp.schedules import invscaling as invscaling
from fnmlp.schedules import step_decay as step_decay
from fnmlp.serialisation import load as load
from fnmlp.serialisation import save as save
from fnmlp.steps import add_grads as add_grads
from fnmlp.steps import scale_grads as scale_grads
from fnmlp.steps import update as update
from fnmlp.training import batches as batches
from fnmlp.training import scan as scan
from fnmlp.training import train as train
from fnmlp.transforms import Transform as Transform
from fnmlp.transforms import chain as chain
from fnmlp.transforms import clip_by_global_norm as clip_by_global_norm
from fnmlp.transforms import clip_by_value as clip_by_value

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "SCHEMES",
    "Activation",
    "AdamState",
    "ArrayCheck",
    "Cache",
    "DTypeError",
    "DivergenceError",
    "EarlyStopping",
    "FileError",
    "Fingerprint",
    "FnmlpError",
    "GradientCheck",
    "Grads",
    "History",
    "HyperparameterError",
    "LabelError",
    "Labels",
    "Layer",
    "LayerCheck",
    "LogEntry",
    "Loss",
    "MomentumState",
    "NonFiniteError",
    "Optimizer",
    "Params",
    "Plateau",
    "RMSPropState",
    "ReduceLROnPlateau",
    "Schedule",
    "SerialisationError",
    "SgdState",
    "ShapeError",
    "TrainResult",
    "TrainState",
    "TrainingInterrupted",
    "Transform",
    "Update",
    "accuracy",
    "adam",
    "adamw",
    "add_grads",
    "backward",
    "batches",
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "chain",
    "class_sample_weight",
    "clip_by_global_norm",
    "clip_by_value",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "forward",
    "gradient",
    "gradient_check",
    "init",
    "invscaling",
    "labels",
    "labels_of",
    "leaky_relu",
    "linear",
    "load",
    "loss",
    "mean_squared_error",
    "momentum",
    "mse",
    "one_hot",
    "predict",
    "r2_score",
    "relu",
    "rmsprop",
    "save",
    "scale_grads",
    "scan",
    "sgd",
    "sigmoid",
    "softmax",
    "step_decay",
    "tanh",
    "train",
    "update",
    "value_and_gradient",
]
