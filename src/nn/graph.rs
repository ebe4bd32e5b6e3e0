//! The network as the executor sees it: layers in execution order over numbered values.

use super::{NnError, Tensor};

/// A value of the graph: the input is value 0, each node writes one new value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ValueId(pub usize);

/// An elementwise binary operator (numpy broadcasting, as ONNX's Add/Sub/Mul/Div).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
}

/// One operand of a [`Op::Binary`]: a value computed by the graph or a constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A value of the graph (listed in the node's `inputs` too).
    Value(ValueId),
    /// A constant (an initializer or a folded `Constant` node).
    Const(Tensor),
}

/// A 2-D convolution (ONNX `Conv`, `NCHW`), with any BatchNormalization that followed it
/// already folded into `weight` and `bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d {
    /// `[c_out, c_in / groups, kh, kw]`.
    pub weight: Tensor,
    /// `c_out` biases (zeros when the model has none).
    pub bias: Vec<f32>,
    /// Vertical and horizontal stride.
    pub stride: [usize; 2],
    /// Zero padding: top, left, bottom, right (ONNX's `pads` order is begins then ends).
    pub pads: [usize; 4],
    /// Vertical and horizontal dilation.
    pub dilation: [usize; 2],
    /// Groups (`c_in` and `c_out` are multiples of it; `groups == c_in` is depthwise).
    pub groups: usize,
}

/// A fully connected layer `y = x · Wᵀ + b` on `[n, in]` inputs (ONNX `Gemm`, with `alpha`,
/// `beta` and `transB` applied at import, or `MatMul` by a constant followed by `Add`).
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// `[out, in]`, row-major.
    pub weight: Tensor,
    /// `out` biases (zeros when the model has none).
    pub bias: Vec<f32>,
}

/// A 2-D pooling window (MaxPool, AveragePool).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool2d {
    /// Window height and width.
    pub kernel: [usize; 2],
    /// Vertical and horizontal stride.
    pub stride: [usize; 2],
    /// Padding: top, left, bottom, right (padded cells never win a max; for averages see
    /// `count_include_pad`).
    pub pads: [usize; 4],
    /// Output size rounded up rather than down (ONNX `ceil_mode`).
    pub ceil_mode: bool,
    /// AveragePool: divide by the whole window including padding (ONNX
    /// `count_include_pad`); otherwise by the cells inside the input.
    pub count_include_pad: bool,
}

/// One layer.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Convolution (`inputs[0]`: `[n, c_in, h, w]`).
    Conv(Conv2d),
    /// Fully connected (`inputs[0]`: `[n, in]`).
    Linear(Linear),
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, min), max)`.
    Clip {
        /// Lower bound (`-∞` when absent).
        min: f32,
        /// Upper bound (`+∞` when absent).
        max: f32,
    },
    /// Max pooling.
    MaxPool(Pool2d),
    /// Average pooling.
    AvgPool(Pool2d),
    /// Mean over `h × w` per channel: `[n, c, h, w]` → `[n, c, 1, 1]`.
    GlobalAvgPool,
    /// `[d0, …, d_{axis-1}, …]` → `[d0·…·d_{axis-1}, rest]`.
    Flatten {
        /// ONNX `axis` (non-negative after import).
        axis: usize,
    },
    /// Reshape to a target with ONNX's rules: `0` copies the input's dimension at that
    /// position, one `-1` takes what is left.
    Reshape {
        /// The target shape.
        shape: Vec<i64>,
    },
    /// Elementwise `lhs op rhs` with numpy broadcasting.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Operand,
        /// Right operand.
        rhs: Operand,
    },
    /// A per-channel affine map `y = x · scale[c] + shift[c]` (axis 1): a BatchNormalization
    /// that did not follow a convolution.
    ChannelAffine {
        /// Per-channel factors.
        scale: Vec<f32>,
        /// Per-channel offsets.
        shift: Vec<f32>,
    },
    /// Softmax along `axis` (non-negative after import).
    Softmax {
        /// The axis.
        axis: usize,
    },
    /// The input unchanged (Identity, Dropout at inference).
    Identity,
}

impl Op {
    /// A short name for messages and per-layer plans (`"Conv"`, `"Linear"`, …).
    ///
    /// ```
    /// assert_eq!(lowp::nn::Op::Relu.kind(), "Relu");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Conv(_) => "Conv",
            Op::Linear(_) => "Linear",
            Op::Relu => "Relu",
            Op::Clip { .. } => "Clip",
            Op::MaxPool(_) => "MaxPool",
            Op::AvgPool(_) => "AveragePool",
            Op::GlobalAvgPool => "GlobalAveragePool",
            Op::Flatten { .. } => "Flatten",
            Op::Reshape { .. } => "Reshape",
            Op::Binary { op, .. } => match op {
                BinaryOp::Add => "Add",
                BinaryOp::Sub => "Sub",
                BinaryOp::Mul => "Mul",
                BinaryOp::Div => "Div",
            },
            Op::ChannelAffine { .. } => "BatchNormalization",
            Op::Softmax { .. } => "Softmax",
            Op::Identity => "Identity",
        }
    }

    /// Whether the layer has weights that a precision plan quantizes (Conv, Linear).
    pub fn has_weights(&self) -> bool {
        matches!(self, Op::Conv(_) | Op::Linear(_))
    }
}

/// One layer applied to graph values.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The ONNX node name (or `"#i"` for unnamed node `i`).
    pub name: String,
    /// What it computes.
    pub op: Op,
    /// The graph values it reads (for `Binary`, the `Operand::Value`s, in order).
    pub inputs: Vec<ValueId>,
    /// The value it writes (always a new one: values are written once).
    pub output: ValueId,
}

/// A network: one input, nodes in execution order, one output.
///
/// ```
/// use lowp::nn::{Graph, Node, Op, ValueId};
/// let g = Graph::new(
///     vec![None, Some(4)],
///     vec![Node { name: "r".into(), op: Op::Relu, inputs: vec![ValueId(0)], output: ValueId(1) }],
///     ValueId(1),
/// ).unwrap();
/// assert_eq!(g.nodes().len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    input_shape: Vec<Option<usize>>,
    nodes: Vec<Node>,
    output: ValueId,
}

impl Graph {
    /// A graph over input value 0 of shape `input_shape` (`None` for a free dimension, usually
    /// the batch). Checked: each node reads only values written before it, writes a new value,
    /// and the output is written by some node (or is the input).
    pub fn new(input_shape: Vec<Option<usize>>, nodes: Vec<Node>, output: ValueId) -> Result<Graph, NnError> {
        let mut written = vec![ValueId(0)];
        for n in &nodes {
            for i in &n.inputs {
                if !written.contains(i) {
                    return Err(NnError::Model(format!("node `{}` reads value {} before it is written", n.name, i.0)));
                }
            }
            if let Op::Binary { lhs, rhs, .. } = &n.op {
                for o in [lhs, rhs] {
                    if let Operand::Value(v) = o {
                        if !n.inputs.contains(v) {
                            return Err(NnError::Model(format!(
                                "node `{}`: operand value {} not in its inputs",
                                n.name, v.0
                            )));
                        }
                    }
                }
            }
            if written.contains(&n.output) {
                return Err(NnError::Model(format!("node `{}` writes value {} twice", n.name, n.output.0)));
            }
            written.push(n.output);
        }
        if !written.contains(&output) {
            return Err(NnError::Model(format!("the output value {} is never written", output.0)));
        }
        Ok(Graph { input_shape, nodes, output })
    }

    /// The input's shape (`None`: any size, usually the batch).
    pub fn input_shape(&self) -> &[Option<usize>] {
        &self.input_shape
    }

    /// The layers in execution order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The value the graph returns.
    pub fn output(&self) -> ValueId {
        self.output
    }

    /// The number of values (the input plus one per node): value ids are below this
    /// when the graph came from the importer, which numbers them densely.
    pub fn num_values(&self) -> usize {
        self.nodes.iter().map(|n| n.output.0 + 1).max().unwrap_or(1).max(1)
    }
}
