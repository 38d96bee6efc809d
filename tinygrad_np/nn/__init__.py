"""Neural-network building blocks: `Module`, layers, initialisers and checkpoints.

>>> import numpy as np
>>> from tinygrad_np import nn
>>> model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
>>> model(np.ones((2, 4), dtype=np.float32)).shape
(2, 3)
"""
from . import init
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish,
                         Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, PReLU, ReLU6, SiLU,
                         RReLU, Softmax, Softmin, Softplus, Softshrink, Softsign, Tanhshrink,
                         Threshold)
from .checkpoint import CheckpointError, load_state, save_state
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .conv import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                   AvgPool1d, AvgPool2d, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d,
                   Fold, LPPool1d, LPPool2d, MaxPool1d, MaxPool2d, MaxUnpool1d, MaxUnpool2d,
                   Unfold, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d)
from .layers import (Bilinear, ChannelShuffle, Flatten, Identity, Linear, PixelShuffle,
                     PixelUnshuffle, ReLU, Sequential, Sigmoid, Softmax2d, Tanh, Unflatten)
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, GaussianNLLLoss, HuberLoss,
                   KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss)
from .margin_losses import (CosineEmbeddingLoss, CosineSimilarity, HingeEmbeddingLoss,
                            MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                            MultiMarginLoss, PairwiseDistance, PoissonNLLLoss, SoftMarginLoss,
                            TripletMarginLoss, TripletMarginWithDistanceLoss)
from .multihead_attention import MultiheadAttention
from .volumetric import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, Conv3d, ConvTranspose3d,
                         LPPool3d, MaxPool3d)
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .module import LoadResult, Module, Parameter, StateDictError, is_parameter
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                      ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                      ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                      ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .normalization import (AlphaDropout, BatchNorm1d, BatchNorm2d, BatchNorm3d, Dropout,
                            Dropout1d, Dropout2d, Dropout3d, Embedding, FeatureAlphaDropout,
                            GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm,
                            LocalResponseNorm, RMSNorm)
from . import utils
from .utils import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm,
                    pad_sequence, parameters_to_vector, vector_to_parameters)

__all__ = ["CheckpointError", "Linear", "LoadResult", "Module", "ReLU", "Sequential", "Sigmoid",
           "StateDictError", "Tanh", "clip_grad_norm_", "init", "load_state", "save_state"]
# nnapi branch: module tree, containers, Flatten, activation and loss modules
__all__ += ["ELU", "GELU", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "L1Loss",
            "LeakyReLU", "LogSoftmax", "MSELoss", "ModuleDict", "ModuleList", "NLLLoss",
            "Parameter", "SiLU", "Softmax", "Softplus", "is_parameter"]
# ops branch: layers with a training mode, and the lookup table
__all__ += ["BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout1d", "Dropout2d", "Embedding",
            "GroupNorm", "LayerNorm"]
# conv branch: convolution and pooling layers
__all__ += ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
            "AvgPool1d", "AvgPool2d", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d",
            "Fold", "MaxPool2d", "MaxUnpool1d", "MaxUnpool2d", "Unfold", "Upsample"]
# the robust regression losses, and more activations
__all__ += ["HuberLoss", "SmoothL1Loss", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid",
            "Mish", "PReLU", "ReLU6", "Identity", "Unflatten", "InstanceNorm1d",
            "InstanceNorm2d"]
# padding, pixel shuffling and 1-D transposed convolution layers
__all__ += ["CircularPad1d", "CircularPad2d", "ConstantPad1d", "ConstantPad2d", "ConvTranspose1d",
            "LPPool1d", "LPPool2d",
            "PixelShuffle", "PixelUnshuffle", "ReflectionPad1d", "ReflectionPad2d",
            "ReplicationPad1d", "ReplicationPad2d", "ZeroPad1d", "ZeroPad2d"]
# more of PyTorch's activations and losses
__all__ += ["BCELoss", "CELU", "GLU", "Hardshrink", "KLDivLoss", "SELU", "Softmin", "Softshrink",
            "Softsign", "Tanhshrink", "Threshold"]
__all__ += ["CosineEmbeddingLoss", "CosineSimilarity", "HingeEmbeddingLoss", "MarginRankingLoss",
            "MultiLabelSoftMarginLoss", "PairwiseDistance", "PoissonNLLLoss", "SoftMarginLoss",
            "TripletMarginLoss"]
__all__ += ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]
__all__ += ["MultiheadAttention"]
__all__ += ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
            "TransformerEncoderLayer"]
__all__ += ["Bilinear", "ChannelShuffle", "Softmax2d", "UpsamplingBilinear2d",
            "UpsamplingNearest2d"]
__all__ += ["BatchNorm3d", "InstanceNorm3d"]
__all__ += ["GaussianNLLLoss", "LocalResponseNorm", "MultiLabelMarginLoss", "MultiMarginLoss",
            "ParameterDict", "ParameterList", "RMSNorm", "TripletMarginWithDistanceLoss"]
__all__ += ["AlphaDropout", "Dropout3d", "FeatureAlphaDropout", "RReLU"]
__all__ += ["clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "pad_sequence",
            "parameters_to_vector", "utils", "vector_to_parameters"]
__all__ += ["AdaptiveAvgPool3d", "AvgPool3d", "Conv3d", "ConvTranspose3d", "MaxPool3d"]
__all__ += ["AdaptiveMaxPool3d", "LPPool3d", "CircularPad3d", "ConstantPad3d", "ReflectionPad3d",
            "ReplicationPad3d", "ZeroPad3d"]
# last: it gathers functions from the whole package, this one included
from . import functional  # noqa: E402
__all__ += ["functional"]
