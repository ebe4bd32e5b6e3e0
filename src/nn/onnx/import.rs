//! The importer: symbolic evaluation of the ONNX graph (constants and shape vectors folded,
//! everything else turned into pending layers), then fusion (BatchNormalization into Conv,
//! bias Add into MatMul), dead-layer removal and dense renumbering.

use std::collections::{BTreeSet, HashMap};

use super::consts::{numel, Const, Data};
use super::proto::{attribute_proto::AttributeType, AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto};
use crate::nn::{BinaryOp, Conv2d, Graph, Linear, NnError, Node, Op, Operand, Pool2d, Tensor, ValueId};

/// The largest kernel, stride, dilation or padding accepted.
const MAX_ATTR: i64 = 1 << 24;

/// One dimension as far as the importer knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dim {
    Known(i64),
    /// The free dimension of the graph input at this axis (usually the batch).
    Sym(usize),
    Unknown,
}

/// A shape; `None` when even the rank is unknown.
type Shape = Option<Vec<Dim>>;

/// What a named ONNX value is at import time.
#[derive(Clone, Debug)]
enum Val {
    /// Computed at run time by pending layer `k` (0 is the graph input).
    Dyn(usize),
    /// A constant.
    Const(Const),
    /// A 1-D (or scalar) `i64` tensor with at least one element not known until run time.
    Sym { dims: Vec<Dim>, scalar: bool },
    /// An output the importer does not compute; reading it is an error (why).
    Poison(String),
}

/// A pending layer's operation.
enum POp {
    Input,
    Op(Op),
    /// BatchNormalization: `y = (x - mean) * scale + beta` with `scale = γ/√(var+ε)` in f64.
    Bn {
        scale: Vec<f64>,
        mean: Vec<f64>,
        beta: Vec<f64>,
    },
    /// A Linear from MatMul, bias still open for a following Add.
    MatMul(Linear),
    /// Replaced by another pending layer's value (after a fusion).
    Alias(usize),
}

struct PNode {
    name: String,
    op: POp,
    /// Pending-layer indices read (for `Binary`, the operands hold them as `ValueId`s too).
    inputs: Vec<usize>,
    shape: Shape,
}

fn model(m: impl Into<String>) -> NnError {
    NnError::Model(m.into())
}

/// Imports a decoded model.
pub(super) fn import(m: &ModelProto) -> Result<Graph, NnError> {
    let opset = m
        .opset_import
        .iter()
        .filter(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .max()
        .ok_or_else(|| model("the model imports no opset of the default (ai.onnx) domain"))?;
    if opset < 7 {
        return Err(model(format!("opset {opset} is older than the oldest supported (7)")));
    }
    let g = m.graph.as_ref().ok_or_else(|| model("the model has no graph"))?;
    Importer::new(g, opset)?.run()
}

struct Importer<'a> {
    g: &'a GraphProto,
    opset: i64,
    inits: HashMap<&'a str, &'a TensorProto>,
    env: HashMap<&'a str, Val>,
    pending: Vec<PNode>,
    input_shape: Vec<Option<usize>>,
}

impl<'a> Importer<'a> {
    fn new(g: &'a GraphProto, opset: i64) -> Result<Importer<'a>, NnError> {
        let mut inits = HashMap::new();
        for t in &g.initializer {
            if t.name.is_empty() {
                return Err(model("an initializer has no name"));
            }
            if inits.insert(t.name.as_str(), t).is_some() {
                return Err(model(format!("initializer `{}` is defined twice", t.name)));
            }
        }
        let real: Vec<_> = g.input.iter().filter(|i| !inits.contains_key(i.name.as_str())).collect();
        let input = match real.as_slice() {
            [one] => *one,
            [] => return Err(model("the graph has no input (other than initializers)")),
            more => {
                let names: Vec<_> = more.iter().map(|i| i.name.as_str()).collect();
                return Err(model(format!("the graph has {} inputs {names:?}; only one is supported", names.len())));
            }
        };
        if input.name.is_empty() {
            return Err(model("the graph input has no name"));
        }
        let tt = input
            .r#type
            .as_ref()
            .and_then(|t| t.tensor_type.as_ref())
            .ok_or_else(|| model(format!("input `{}` is not a tensor", input.name)))?;
        if tt.elem_type != 1 {
            return Err(model(format!(
                "input `{}` has element type {}; only float32 (1) inputs are supported",
                input.name, tt.elem_type
            )));
        }
        let shape =
            tt.shape.as_ref().ok_or_else(|| model(format!("input `{}` has no shape (unknown rank)", input.name)))?;
        let mut input_shape = Vec::new();
        let mut dims = Vec::new();
        for (axis, d) in shape.dim.iter().enumerate() {
            use super::proto::tensor_shape_proto::dimension::Value;
            match &d.value {
                Some(Value::DimValue(v)) => {
                    let u = usize::try_from(*v)
                        .map_err(|_| model(format!("input `{}` has a negative dimension {v}", input.name)))?;
                    input_shape.push(Some(u));
                    dims.push(Dim::Known(*v));
                }
                _ => {
                    input_shape.push(None);
                    dims.push(Dim::Sym(axis));
                }
            }
        }
        let mut env = HashMap::new();
        env.insert(input.name.as_str(), Val::Dyn(0));
        let pending = vec![PNode { name: input.name.clone(), op: POp::Input, inputs: vec![], shape: Some(dims) }];
        Ok(Importer { g, opset, inits, env, pending, input_shape })
    }

    /// The live nodes in a topological order (original order where it already is one).
    fn schedule(&self, out: &str) -> Result<Vec<usize>, NnError> {
        let nodes = &self.g.node;
        let mut producer: HashMap<&str, usize> = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            for o in n.output.iter().filter(|o| !o.is_empty()) {
                if self.inits.contains_key(o.as_str()) || self.env.contains_key(o.as_str()) {
                    return Err(model(format!(
                        "node `{}` writes `{o}`, which is an initializer or the input",
                        node_name(n, i)
                    )));
                }
                if producer.insert(o.as_str(), i).is_some() {
                    return Err(model(format!("value `{o}` is written by more than one node")));
                }
            }
        }
        let known = |s: &str| self.inits.contains_key(s) || self.env.contains_key(s);
        let mut live = vec![false; nodes.len()];
        let mut stack: Vec<&str> = vec![out];
        while let Some(v) = stack.pop() {
            match producer.get(v) {
                Some(&p) if !live[p] => {
                    live[p] = true;
                    for i in nodes[p].input.iter().filter(|i| !i.is_empty()) {
                        if !producer.contains_key(i.as_str()) && !known(i) {
                            return Err(model(format!(
                                "node `{}` reads `{i}`, which no node, initializer or input defines",
                                node_name(&nodes[p], p)
                            )));
                        }
                        stack.push(i);
                    }
                }
                Some(_) => {}
                None if known(v) => {}
                None => return Err(model(format!("the graph output `{v}` is never written"))),
            }
        }
        // Kahn's algorithm over the live nodes, smallest index first.
        let mut missing = vec![0usize; nodes.len()];
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate().filter(|(i, _)| live[*i]) {
            for inp in n.input.iter().filter(|s| !s.is_empty()) {
                if let Some(&p) = producer.get(inp.as_str()) {
                    missing[i] += 1;
                    users[p].push(i);
                }
            }
        }
        let mut ready: BTreeSet<usize> = (0..nodes.len()).filter(|&i| live[i] && missing[i] == 0).collect();
        let mut order = Vec::new();
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &u in &users[i] {
                missing[u] -= 1;
                if missing[u] == 0 {
                    ready.insert(u);
                }
            }
        }
        if let Some(stuck) = (0..nodes.len()).find(|&i| live[i] && missing[i] > 0) {
            return Err(model(format!("the graph has a cycle through node `{}`", node_name(&nodes[stuck], stuck))));
        }
        Ok(order)
    }

    fn run(mut self) -> Result<Graph, NnError> {
        let out_name = match self.g.output.as_slice() {
            [one] => one.name.clone(),
            outs => return Err(model(format!("the graph has {} outputs; exactly one is supported", outs.len()))),
        };
        let order = self.schedule(&out_name)?;
        let g = self.g;
        for i in order {
            let n = &g.node[i];
            let name = node_name(n, i);
            let vals = self.eval(n, &name)?;
            for (o, v) in n.output.iter().zip(vals) {
                if !o.is_empty() {
                    self.env.insert(o.as_str(), v);
                }
            }
        }
        let out = match self.lookup(&out_name)? {
            Val::Dyn(k) => k,
            Val::Poison(why) => return Err(model(format!("the graph output `{out_name}`: {why}"))),
            _ => return Err(model(format!("the graph output `{out_name}` is a constant"))),
        };
        self.finish(out)
    }

    /// The value of a name (initializers decoded on first use).
    fn lookup(&mut self, name: &str) -> Result<Val, NnError> {
        if let Some(v) = self.env.get(name) {
            return Ok(v.clone());
        }
        if let Some((&k, t)) = self.inits.get_key_value(name) {
            let v = Val::Const(Const::from_proto(t)?);
            self.env.insert(k, v.clone());
            return Ok(v);
        }
        Err(model(format!("value `{name}` is not defined")))
    }

    fn push(&mut self, name: &str, op: POp, inputs: Vec<usize>, shape: Shape) -> Val {
        self.pending.push(PNode { name: name.to_string(), op, inputs, shape });
        Val::Dyn(self.pending.len() - 1)
    }

    fn shape_of(&self, k: usize) -> Shape {
        self.pending[k].shape.clone()
    }

    /// Evaluates one node: the values of its outputs, in order.
    fn eval(&mut self, n: &'a NodeProto, name: &str) -> Result<Vec<Val>, NnError> {
        let op = n.op_type.as_str();
        let cx = Cx { n, name, op };
        if !(n.domain.is_empty() || n.domain == "ai.onnx") {
            return Err(cx.unsup(format!("operator domain `{}` is not supported", n.domain)));
        }
        let mut ins: Vec<Option<Val>> = Vec::with_capacity(n.input.len());
        for i in &n.input {
            ins.push(if i.is_empty() { None } else { Some(self.lookup(i)?) });
        }
        for (v, i) in ins.iter().zip(&n.input) {
            if let Some(Val::Poison(why)) = v {
                return Err(cx.unsup(format!("reads `{i}`: {why}")));
            }
        }
        let out_name = n.output.first().map(String::as_str).unwrap_or("");
        let first = match op {
            "Conv" => self.conv(&cx, &ins)?,
            "BatchNormalization" => self.batch_norm(&cx, &ins)?,
            "Gemm" => self.gemm(&cx, &ins)?,
            "MatMul" => {
                let x = cx.dyn_in(&ins, 0)?;
                let b = cx.const_in(&ins, 1)?;
                let w = cx.floats(b)?;
                if b.shape.len() != 2 {
                    return Err(cx.unsup(format!("MatMul by a constant of shape {:?}; only 2-D is supported", b.shape)));
                }
                finite(&b.name, w)?;
                let (k, o) = (b.shape[0], b.shape[1]);
                if k == 0 || o == 0 {
                    return Err(NnError::Shape(format!(
                        "node `{name}`: weight `{}` has an empty shape {:?}",
                        b.name, b.shape
                    )));
                }
                let xs = self.shape_of(x);
                let shape = linear_shape(&cx, &xs, k, o)?;
                let weight = Const { name: b.name.clone(), shape: b.shape.clone(), data: Data::F32(w.to_vec()) }
                    .transpose(&[1, 0], &b.name);
                let weight = cx.tensor(weight)?;
                self.push(name, POp::MatMul(Linear { weight, bias: vec![0.0; o] }), vec![x], shape)
            }
            "Relu" => match cx.arg(&ins, 0)? {
                Val::Dyn(x) => {
                    let s = self.shape_of(*x);
                    self.push(name, POp::Op(Op::Relu), vec![*x], s)
                }
                Val::Const(c) => match &c.data {
                    Data::F32(v) => Val::Const(Const {
                        name: out_name.into(),
                        shape: c.shape.clone(),
                        data: Data::F32(v.iter().map(|x| x.max(0.0)).collect()),
                    }),
                    Data::I64(v) => Val::Const(Const {
                        name: out_name.into(),
                        shape: c.shape.clone(),
                        data: Data::I64(v.iter().map(|x| (*x).max(0)).collect()),
                    }),
                },
                _ => return Err(cx.unsup("Relu of a shape vector")),
            },
            "Clip" => {
                let x = cx.dyn_in(&ins, 0)?;
                let (mut min, mut max) = (f32::NEG_INFINITY, f32::INFINITY);
                if self.opset >= 11 {
                    for (slot, idx) in [(&mut min, 1usize), (&mut max, 2)] {
                        if let Some(Some(_)) = ins.get(idx) {
                            let c = cx.const_in(&ins, idx)?;
                            match cx.floats(c)? {
                                [v] => *slot = *v,
                                _ => return Err(cx.unsup(format!("Clip bound `{}` is not a scalar", c.name))),
                            }
                        }
                    }
                } else {
                    min = cx.float(ATTR_MIN, f32::NEG_INFINITY)?;
                    max = cx.float(ATTR_MAX, f32::INFINITY)?;
                }
                if min.is_nan() || max.is_nan() {
                    return Err(NnError::NonFinite(format!("node `{name}` (Clip): a NaN bound")));
                }
                let s = self.shape_of(x);
                self.push(name, POp::Op(Op::Clip { min, max }), vec![x], s)
            }
            "MaxPool" | "AveragePool" => self.pool(&cx, &ins)?,
            "GlobalAveragePool" => {
                let x = cx.dyn_in(&ins, 0)?;
                let s = self.shape_of(x);
                let shape = match &s {
                    Some(d) if d.len() != 4 => {
                        return Err(cx.unsup(format!("input of rank {}; only 4-D (NCHW) is supported", d.len())))
                    }
                    Some(d) => Some(vec![d[0], d[1], Dim::Known(1), Dim::Known(1)]),
                    None => Some(vec![Dim::Unknown, Dim::Unknown, Dim::Known(1), Dim::Known(1)]),
                };
                self.push(name, POp::Op(Op::GlobalAvgPool), vec![x], shape)
            }
            "Flatten" => {
                let x = cx.dyn_in(&ins, 0)?;
                let s = self.shape_of(x);
                let axis = cx.int("axis", 1)?;
                let axis = match &s {
                    Some(d) => {
                        let r = d.len() as i64;
                        let a = if axis < 0 { axis + r } else { axis };
                        if !(0..=r).contains(&a) {
                            return Err(cx.bad(format!("axis {axis} out of range for rank {r}")));
                        }
                        a as usize
                    }
                    None if axis >= 0 => axis as usize,
                    None => return Err(cx.unsup("negative axis on an input of unknown rank")),
                };
                let shape = s.map(|d| vec![dim_product(&d[..axis.min(d.len())]), dim_product(&d[axis.min(d.len())..])]);
                self.push(name, POp::Op(Op::Flatten { axis }), vec![x], shape)
            }
            "Reshape" => self.reshape(&cx, &ins, out_name)?,
            "Add" | "Sub" | "Mul" | "Div" => self.binary(&cx, &ins, out_name)?,
            "Softmax" => {
                let x = cx.dyn_in(&ins, 0)?;
                let s = self.shape_of(x);
                let axis = cx.int("axis", if self.opset >= 13 { -1 } else { 1 })?;
                let rank = s.as_ref().map(Vec::len).ok_or_else(|| cx.unsup("input of unknown rank"))?;
                let axis =
                    norm_axis(axis, rank).ok_or_else(|| cx.bad(format!("axis {axis} out of range for rank {rank}")))?;
                if self.opset < 13 && axis + 1 != rank {
                    return Err(cx.unsup("opset < 13 Softmax over other than the last axis (2-D coercion)"));
                }
                self.push(name, POp::Op(Op::Softmax { axis }), vec![x], s)
            }
            "Identity" | "Dropout" => {
                if op == "Dropout" && cx.int("training_mode", 0)? != 0 {
                    return Err(cx.unsup("training mode"));
                }
                match cx.arg(&ins, 0)? {
                    Val::Dyn(x) => {
                        let s = self.shape_of(*x);
                        self.push(name, POp::Op(Op::Identity), vec![*x], s)
                    }
                    v => v.clone(),
                }
            }
            "Constant" => Val::Const(self.constant(&cx, out_name)?),
            "Shape" => {
                let dims: Vec<Dim> = match cx.arg(&ins, 0)? {
                    Val::Dyn(x) => self.shape_of(*x).ok_or_else(|| {
                        cx.unsup(format!("cannot infer the shape of `{}` (unknown rank)", n.input[0]))
                    })?,
                    Val::Const(c) => c.shape.iter().map(|&d| Dim::Known(d as i64)).collect(),
                    Val::Sym { dims, scalar } => {
                        if *scalar {
                            vec![]
                        } else {
                            vec![Dim::Known(dims.len() as i64)]
                        }
                    }
                    Val::Poison(_) => unreachable!("checked above"),
                };
                let r = dims.len() as i64;
                let clamp = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
                let start = clamp(cx.int("start", 0)?);
                let end = clamp(cx.int("end", r)?);
                sym_val(dims[start..end.max(start)].to_vec(), false, out_name)
            }
            "Gather" => self.gather(&cx, &ins, out_name)?,
            "Unsqueeze" | "Squeeze" => self.squeeze(&cx, &ins, out_name)?,
            "Concat" => self.concat(&cx, &ins, out_name)?,
            "Cast" => {
                let to = cx.int("to", 0)?;
                let to_float = match to {
                    1 | 10 | 11 | 16 => true,
                    6 | 7 => false,
                    _ => return Err(cx.unsup(format!("Cast to data type {to}"))),
                };
                match cx.arg(&ins, 0)? {
                    Val::Const(c) => {
                        let mut c = c.clone().cast(to_float, out_name).map_err(|w| cx.bad(w))?;
                        if let (Data::F32(v), 10 | 16) = (&mut c.data, to) {
                            for x in v.iter_mut() {
                                *x = if to == 10 {
                                    half::f16::from_f32(*x).to_f32()
                                } else {
                                    half::bf16::from_f32(*x).to_f32()
                                };
                            }
                        }
                        Val::Const(c)
                    }
                    Val::Sym { .. } if !to_float => cx.arg(&ins, 0)?.clone(),
                    Val::Dyn(x) if to == 1 => {
                        let s = self.shape_of(*x);
                        self.push(name, POp::Op(Op::Identity), vec![*x], s)
                    }
                    _ => return Err(cx.unsup(format!("Cast to data type {to} of a computed value"))),
                }
            }
            "Transpose" => {
                let c = match cx.arg(&ins, 0)? {
                    Val::Const(c) => c,
                    _ => return Err(cx.unsup("Transpose of a computed value (only constants are folded)")),
                };
                let rank = c.shape.len();
                let perm: Vec<usize> = match cx.ints("perm")? {
                    None => (0..rank).rev().collect(),
                    Some(p) => {
                        let p: Vec<usize> =
                            p.iter().filter_map(|&v| usize::try_from(v).ok()).filter(|&v| v < rank).collect();
                        let mut seen = p.clone();
                        seen.sort_unstable();
                        seen.dedup();
                        if p.len() != rank || seen.len() != rank {
                            return Err(cx.bad(format!("perm is not a permutation of 0..{rank}")));
                        }
                        p
                    }
                };
                Val::Const(c.transpose(&perm, out_name))
            }
            _ => return Err(cx.unsup("operator not supported")),
        };
        let mut outs = vec![first];
        for o in n.output.iter().skip(1) {
            outs.push(Val::Poison(format!("output `{o}` of node `{name}` ({op}) is not computed at inference")));
        }
        Ok(outs)
    }

    fn conv(&mut self, cx: &Cx, ins: &[Option<Val>]) -> Result<Val, NnError> {
        let x = cx.dyn_in(ins, 0)?;
        let w = cx.const_in(ins, 1)?;
        let wd = cx.floats(w)?;
        if w.shape.len() != 4 {
            return Err(
                cx.unsup(format!("weight `{}` of shape {:?}: only 2-D convolutions are supported", w.name, w.shape))
            );
        }
        let (c_out, c_in_g, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3]);
        if c_out == 0 || c_in_g == 0 || kh == 0 || kw == 0 {
            return Err(NnError::Shape(format!(
                "node `{}`: weight `{}` has an empty shape {:?}",
                cx.name, w.name, w.shape
            )));
        }
        finite(&w.name, wd)?;
        let bias = match ins.get(2) {
            Some(Some(_)) => {
                let b = cx.const_in(ins, 2)?;
                let bd = cx.floats(b)?;
                if b.shape.len() != 1 || b.shape[0] != c_out {
                    return Err(NnError::Shape(format!(
                        "node `{}`: bias `{}` of shape {:?} does not fit {c_out} output channels",
                        cx.name, b.name, b.shape
                    )));
                }
                finite(&b.name, bd)?;
                bd.to_vec()
            }
            _ => vec![0.0; c_out],
        };
        let groups = cx.int("group", 1)?;
        if !(1..=MAX_ATTR).contains(&groups) {
            return Err(cx.bad(format!("group {groups} out of range")));
        }
        let groups = groups as usize;
        if !c_out.is_multiple_of(groups) {
            return Err(cx.bad(format!("group {groups} does not divide the {c_out} output channels")));
        }
        if let Some(ks) = cx.ints("kernel_shape")? {
            if ks != [kh as i64, kw as i64] {
                return Err(cx.bad(format!("kernel_shape {ks:?} does not match weight `{}` {:?}", w.name, w.shape)));
            }
        }
        let xs = self.shape_of(x);
        if let Some(d) = &xs {
            if d.len() != 4 {
                return Err(cx.unsup(format!("input of rank {}; only 4-D (NCHW) is supported", d.len())));
            }
            if let Dim::Known(c) = d[1] {
                if Some(c as usize) != c_in_g.checked_mul(groups) {
                    return Err(NnError::Shape(format!(
                        "node `{}`: input has {c} channels, weight `{}` {:?} with group {groups} expects {}",
                        cx.name,
                        w.name,
                        w.shape,
                        c_in_g.saturating_mul(groups)
                    )));
                }
            }
        }
        let stride = cx.pair("strides", 1, 1)?;
        let dilation = cx.pair("dilations", 1, 1)?;
        let pads = cx.pads(&xs, [kh, kw], stride, dilation)?;
        let spatial = out_spatial(cx, &xs, [kh, kw], stride, dilation, pads, false)?;
        let n0 = xs.as_ref().map(|d| d[0]).unwrap_or(Dim::Unknown);
        let shape = Some(vec![n0, Dim::Known(c_out as i64), spatial[0], spatial[1]]);
        let weight = cx.tensor(Const { name: w.name.clone(), shape: w.shape.clone(), data: Data::F32(wd.to_vec()) })?;
        let conv = Conv2d { weight, bias, stride, pads, dilation, groups };
        Ok(self.push(cx.name, POp::Op(Op::Conv(conv)), vec![x], shape))
    }

    fn batch_norm(&mut self, cx: &Cx, ins: &[Option<Val>]) -> Result<Val, NnError> {
        if cx.int("training_mode", 0)? != 0 {
            return Err(cx.unsup("training mode"));
        }
        let x = cx.dyn_in(ins, 0)?;
        let eps = cx.float("epsilon", 1e-5)?;
        if !eps.is_finite() || eps < 0.0 {
            return Err(cx.bad(format!("epsilon {eps}")));
        }
        let mut p: Vec<(&Const, &[f32])> = Vec::new();
        for i in 1..5 {
            let c = cx.const_in(ins, i)?;
            let d = cx.floats(c)?;
            finite(&c.name, d)?;
            p.push((c, d));
        }
        let ch = p[0].1.len();
        for (c, d) in &p {
            if c.shape.len() != 1 || d.len() != ch {
                return Err(NnError::Shape(format!(
                    "node `{}`: parameter `{}` of shape {:?} does not match {ch} channels",
                    cx.name, c.name, c.shape
                )));
            }
        }
        let xs = self.shape_of(x);
        if let Some(d) = &xs {
            if d.len() < 2 {
                return Err(NnError::Shape(format!(
                    "node `{}`: input of rank {} has no channel axis",
                    cx.name,
                    d.len()
                )));
            }
            if let Dim::Known(c) = d[1] {
                if c as usize != ch {
                    return Err(NnError::Shape(format!("node `{}`: input has {c} channels, parameters {ch}", cx.name)));
                }
            }
        }
        let mut scale = Vec::with_capacity(ch);
        for c in 0..ch {
            let v = f64::from(p[3].1[c]) + f64::from(eps);
            if v <= 0.0 {
                return Err(NnError::NonFinite(format!(
                    "node `{}`: variance `{}` plus epsilon is {v} at channel {c} (must be positive)",
                    cx.name, p[3].0.name
                )));
            }
            scale.push(f64::from(p[0].1[c]) / v.sqrt());
        }
        let mean = p[2].1.iter().map(|&v| f64::from(v)).collect();
        let beta = p[1].1.iter().map(|&v| f64::from(v)).collect();
        Ok(self.push(cx.name, POp::Bn { scale, mean, beta }, vec![x], xs))
    }

    fn gemm(&mut self, cx: &Cx, ins: &[Option<Val>]) -> Result<Val, NnError> {
        let x = cx.dyn_in(ins, 0)?;
        if cx.int("transA", 0)? != 0 {
            return Err(cx.unsup("transA = 1"));
        }
        let trans_b = cx.int("transB", 0)?;
        if trans_b != 0 && trans_b != 1 {
            return Err(cx.bad(format!("transB = {trans_b}")));
        }
        let alpha = cx.float("alpha", 1.0)?;
        let beta = cx.float("beta", 1.0)?;
        if !alpha.is_finite() || !beta.is_finite() {
            return Err(NnError::NonFinite(format!("node `{}` (Gemm): alpha {alpha}, beta {beta}", cx.name)));
        }
        let b = cx.const_in(ins, 1)?;
        let bd = cx.floats(b)?;
        if b.shape.len() != 2 {
            return Err(NnError::Shape(format!("node `{}`: B `{}` has shape {:?}, not 2-D", cx.name, b.name, b.shape)));
        }
        finite(&b.name, bd)?;
        let bc = Const { name: b.name.clone(), shape: b.shape.clone(), data: Data::F32(bd.to_vec()) };
        let mut w = if trans_b == 1 { bc } else { bc.transpose(&[1, 0], &b.name) };
        let (o, k) = (w.shape[0], w.shape[1]);
        if k == 0 || o == 0 {
            return Err(NnError::Shape(format!("node `{}`: B `{}` has an empty shape {:?}", cx.name, b.name, b.shape)));
        }
        if alpha != 1.0 {
            if let Data::F32(v) = &mut w.data {
                v.iter_mut().for_each(|x| *x *= alpha);
            }
        }
        let mut bias = vec![0.0f32; o];
        if let Some(Some(_)) = ins.get(2) {
            let c = cx.const_in(ins, 2)?;
            let cd = cx.floats(c)?;
            finite(&c.name, cd)?;
            let fits = match c.shape.as_slice() {
                [] => true,
                [n] | [1, n] => *n == o || *n == 1,
                _ => false,
            };
            if !fits {
                return Err(
                    cx.unsup(format!("C `{}` of shape {:?}; only [{o}], [1, {o}] or a scalar", c.name, c.shape))
                );
            }
            for (i, b) in bias.iter_mut().enumerate() {
                *b = beta * cd[if cd.len() == 1 { 0 } else { i }];
            }
        }
        if let Data::F32(v) = &w.data {
            finite(cx.name, v)?;
        }
        let xs = self.shape_of(x);
        let shape = linear_shape(cx, &xs, k, o)?;
        let weight = cx.tensor(w)?;
        Ok(self.push(cx.name, POp::Op(Op::Linear(Linear { weight, bias })), vec![x], shape))
    }

    fn pool(&mut self, cx: &Cx, ins: &[Option<Val>]) -> Result<Val, NnError> {
        let x = cx.dyn_in(ins, 0)?;
        let xs = self.shape_of(x);
        if let Some(d) = &xs {
            if d.len() != 4 {
                return Err(cx.unsup(format!("input of rank {}; only 4-D (NCHW) is supported", d.len())));
            }
        }
        let ks = cx.ints("kernel_shape")?.ok_or_else(|| cx.bad("kernel_shape is missing"))?;
        let kernel = match ks.as_slice() {
            [a, b] => [attr_usize(cx, "kernel_shape", *a, 1)?, attr_usize(cx, "kernel_shape", *b, 1)?],
            _ => return Err(cx.unsup(format!("kernel_shape {ks:?}: only 2-D pooling is supported"))),
        };
        if cx.pair("dilations", 1, 1)? != [1, 1] {
            return Err(cx.unsup("dilations other than 1"));
        }
        if cx.op == "MaxPool" && cx.int("storage_order", 0)? != 0 {
            return Err(cx.unsup("storage_order = 1"));
        }
        let stride = cx.pair("strides", 1, 1)?;
        let pads = cx.pads(&xs, kernel, stride, [1, 1])?;
        let ceil_mode = match cx.int("ceil_mode", 0)? {
            0 => false,
            1 => true,
            v => return Err(cx.bad(format!("ceil_mode = {v}"))),
        };
        let count_include_pad = match cx.int("count_include_pad", 0)? {
            0 => false,
            1 => true,
            v => return Err(cx.bad(format!("count_include_pad = {v}"))),
        };
        let spatial = out_spatial(cx, &xs, kernel, stride, [1, 1], pads, ceil_mode)?;
        let shape = xs.as_ref().map(|d| vec![d[0], d[1], spatial[0], spatial[1]]);
        let p = Pool2d { kernel, stride, pads, ceil_mode, count_include_pad: count_include_pad && cx.op != "MaxPool" };
        let op = if cx.op == "MaxPool" { Op::MaxPool(p) } else { Op::AvgPool(p) };
        Ok(self.push(cx.name, POp::Op(op), vec![x], shape))
    }

    fn reshape(&mut self, cx: &Cx, ins: &[Option<Val>], out_name: &str) -> Result<Val, NnError> {
        if cx.int("allowzero", 0)? != 0 {
            return Err(cx.unsup("allowzero = 1"));
        }
        let target: Vec<Dim> = match cx.arg(ins, 1)? {
            Val::Const(c) => match (c.ints(), c.shape.len()) {
                (Some(v), 1) => v.iter().map(|&d| Dim::Known(d)).collect(),
                _ => return Err(cx.bad(format!("shape `{}` is not a 1-D int64 tensor", c.name))),
            },
            Val::Sym { dims, scalar: false } => dims.clone(),
            Val::Sym { .. } => return Err(cx.bad("the shape operand is a scalar")),
            Val::Dyn(_) => return Err(cx.unsup("a target shape computed from data at run time")),
            Val::Poison(_) => unreachable!("checked in eval"),
        };
        match cx.arg(ins, 0)? {
            Val::Const(c) => {
                let known: Vec<i64> = target
                    .iter()
                    .map(|d| {
                        if let Dim::Known(v) = d {
                            Ok(*v)
                        } else {
                            Err(cx.unsup("reshaping a constant to a free shape"))
                        }
                    })
                    .collect::<Result<_, _>>()?;
                let cs: Vec<Dim> = c.shape.iter().map(|&d| Dim::Known(d as i64)).collect();
                let out = reshape_dims(&Some(cs), &known).map_err(|w| cx.bad(w))?.unwrap_or_default();
                let shape: Option<Vec<usize>> =
                    out.iter().map(|d| if let Dim::Known(v) = d { usize::try_from(*v).ok() } else { None }).collect();
                match shape {
                    Some(s) if numel(&s) == Some(c.len()) => Ok(Val::Const(c.clone().with_shape(s, out_name))),
                    _ => Err(NnError::Shape(format!("node `{}`: cannot reshape {:?} to {known:?}", cx.name, c.shape))),
                }
            }
            Val::Dyn(x) => {
                let x = *x;
                let xs = self.shape_of(x);
                let mut shape = Vec::with_capacity(target.len());
                for (p, d) in target.iter().enumerate() {
                    shape.push(match d {
                        Dim::Known(v) => *v,
                        Dim::Sym(k) if xs.as_ref().and_then(|s| s.get(p)) == Some(&Dim::Sym(*k)) => 0,
                        Dim::Sym(k) => {
                            return Err(cx.unsup(format!(
                                "the target shape needs the input's free dimension (axis {k}) at position {p}, \
                                 where the data does not have it; only copying it in place (0) is supported"
                            )))
                        }
                        Dim::Unknown => {
                            return Err(
                                cx.unsup(format!("the target shape has a dimension at position {p} unknown at import"))
                            )
                        }
                    });
                }
                let out = reshape_dims(&xs, &shape).map_err(|w| NnError::Shape(format!("node `{}`: {w}", cx.name)))?;
                Ok(self.push(cx.name, POp::Op(Op::Reshape { shape }), vec![x], out))
            }
            _ => Err(cx.unsup("Reshape of a shape vector")),
        }
    }

    fn binary(&mut self, cx: &Cx, ins: &[Option<Val>], out_name: &str) -> Result<Val, NnError> {
        let op = match cx.op {
            "Add" => BinaryOp::Add,
            "Sub" => BinaryOp::Sub,
            "Mul" => BinaryOp::Mul,
            _ => BinaryOp::Div,
        };
        let (a, b) = (cx.arg(ins, 0)?, cx.arg(ins, 1)?);
        match (a, b) {
            (Val::Const(a), Val::Const(b)) => Ok(Val::Const(a.binary(op, b, out_name).map_err(|w| cx.bad(w))?)),
            (Val::Dyn(_), Val::Dyn(_)) | (Val::Dyn(_), Val::Const(_)) | (Val::Const(_), Val::Dyn(_)) => {
                let mut inputs = Vec::new();
                let mut shapes = Vec::new();
                let mut operand = |v: &Val| -> Result<Operand, NnError> {
                    match v {
                        Val::Dyn(k) => {
                            inputs.push(*k);
                            shapes.push(self.pending[*k].shape.clone());
                            Ok(Operand::Value(ValueId(*k)))
                        }
                        Val::Const(c) => {
                            let d = cx.floats(c)?;
                            finite(&c.name, d)?;
                            shapes.push(Some(c.shape.iter().map(|&d| Dim::Known(d as i64)).collect()));
                            Ok(Operand::Const(cx.tensor(c.clone())?))
                        }
                        _ => unreachable!("matched above"),
                    }
                };
                let lhs = operand(a)?;
                let rhs = operand(b)?;
                let shape = match (&shapes[0], &shapes[1]) {
                    (Some(x), Some(y)) => {
                        Some(broadcast_dims(x, y).map_err(|w| NnError::Shape(format!("node `{}`: {w}", cx.name)))?)
                    }
                    _ => None,
                };
                Ok(self.push(cx.name, POp::Op(Op::Binary { op, lhs, rhs }), inputs, shape))
            }
            _ => {
                // Shape arithmetic: fold when both sides are fully known.
                let (Some(x), Some(y)) = (known_ints(a), known_ints(b)) else {
                    return Err(cx.unsup("arithmetic on a shape with dimensions free at import"));
                };
                Ok(Val::Const(x.binary(op, &y, out_name).map_err(|w| cx.bad(w))?))
            }
        }
    }

    fn constant(&mut self, cx: &Cx, out_name: &str) -> Result<Const, NnError> {
        let a = cx.n.attribute.first().ok_or_else(|| cx.bad("no value attribute"))?;
        if cx.n.attribute.len() != 1 {
            return Err(cx.bad("more than one value attribute"));
        }
        let name = out_name.to_string();
        let c = match a.name.as_str() {
            "value" => {
                let t = a.t.as_ref().ok_or_else(|| cx.bad("value is not a tensor"))?;
                let mut c = Const::from_proto(t)?;
                c.name = name;
                c
            }
            "value_float" => Const { name, shape: vec![], data: Data::F32(vec![a.f]) },
            "value_floats" => Const { name, shape: vec![a.floats.len()], data: Data::F32(a.floats.clone()) },
            "value_int" => Const { name, shape: vec![], data: Data::I64(vec![a.i]) },
            "value_ints" => Const { name, shape: vec![a.ints.len()], data: Data::I64(a.ints.clone()) },
            other => return Err(cx.unsup(format!("attribute `{other}`"))),
        };
        Ok(c)
    }

    fn gather(&mut self, cx: &Cx, ins: &[Option<Val>], out_name: &str) -> Result<Val, NnError> {
        let idx = cx.const_in(ins, 1)?;
        let iv = idx.ints().ok_or_else(|| cx.bad(format!("indices `{}` are not integers", idx.name)))?;
        let axis = cx.int("axis", 0)?;
        match cx.arg(ins, 0)? {
            Val::Const(c) => {
                let rank = c.shape.len();
                let axis = norm_axis(axis, rank).ok_or_else(|| cx.bad(format!("axis {axis} out of range")))?;
                let ix = norm_indices(iv, c.shape[axis]).ok_or_else(|| cx.bad("index out of range"))?;
                Ok(Val::Const(c.gather(axis, &ix, &idx.shape, out_name).map_err(|w| cx.bad(w))?))
            }
            Val::Sym { dims, scalar: false } => {
                if norm_axis(axis, 1) != Some(0) || idx.shape.len() > 1 {
                    return Err(cx.unsup("Gather from a shape vector other than on axis 0 with a 0-D or 1-D index"));
                }
                let ix = norm_indices(iv, dims.len()).ok_or_else(|| cx.bad("index out of range"))?;
                Ok(sym_val(ix.iter().map(|&i| dims[i]).collect(), idx.shape.is_empty(), out_name))
            }
            _ => Err(cx.unsup("Gather from a computed value (only constants and shapes are folded)")),
        }
    }

    fn squeeze(&mut self, cx: &Cx, ins: &[Option<Val>], out_name: &str) -> Result<Val, NnError> {
        let unsq = cx.op == "Unsqueeze";
        let axes: Option<Vec<i64>> = if self.opset >= 13 {
            match ins.get(1) {
                Some(Some(_)) => {
                    let a = cx.const_in(ins, 1)?;
                    Some(a.ints().ok_or_else(|| cx.bad("axes are not integers"))?.to_vec())
                }
                _ => None,
            }
        } else {
            cx.ints("axes")?
        };
        let (shape, is_sym): (Vec<usize>, bool) = match cx.arg(ins, 0)? {
            Val::Const(c) => (c.shape.clone(), false),
            Val::Sym { dims, scalar } => (if *scalar { vec![] } else { vec![dims.len()] }, true),
            _ => return Err(cx.unsup(format!("{} of a computed value (only constants are folded)", cx.op))),
        };
        let new_shape = if unsq {
            let axes = axes.ok_or_else(|| cx.bad("axes are missing"))?;
            let r = shape.len() + axes.len();
            let mut at: Vec<usize> = axes
                .iter()
                .map(|&a| norm_axis(a, r))
                .collect::<Option<_>>()
                .ok_or_else(|| cx.bad("axis out of range"))?;
            at.sort_unstable();
            if at.windows(2).any(|w| w[0] == w[1]) {
                return Err(cx.bad("repeated axis"));
            }
            let mut it = shape.iter();
            (0..r).map(|i| if at.contains(&i) { 1 } else { *it.next().unwrap_or(&1) }).collect::<Vec<_>>()
        } else {
            let r = shape.len();
            let at: Vec<usize> = match axes {
                Some(a) => a
                    .iter()
                    .map(|&a| norm_axis(a, r))
                    .collect::<Option<_>>()
                    .ok_or_else(|| cx.bad("axis out of range"))?,
                None => (0..r).filter(|&i| shape[i] == 1).collect(),
            };
            if at.iter().any(|&i| shape[i] != 1) {
                return Err(cx.bad("squeezing an axis whose size is not 1"));
            }
            (0..r).filter(|i| !at.contains(i)).map(|i| shape[i]).collect()
        };
        match cx.arg(ins, 0)? {
            Val::Const(c) => Ok(Val::Const(c.clone().with_shape(new_shape, out_name))),
            Val::Sym { dims, .. } if is_sym && new_shape.len() <= 1 => {
                Ok(sym_val(dims.clone(), new_shape.is_empty(), out_name))
            }
            _ => Err(cx.unsup(format!("{} of a shape vector to rank {}", cx.op, new_shape.len()))),
        }
    }

    fn concat(&mut self, cx: &Cx, ins: &[Option<Val>], out_name: &str) -> Result<Val, NnError> {
        let axis = cx.int("axis", i64::MIN)?;
        if axis == i64::MIN {
            return Err(cx.bad("axis is missing"));
        }
        let mut parts = Vec::new();
        for i in 0..ins.len() {
            parts.push(cx.arg(ins, i)?);
        }
        if parts.iter().all(|p| matches!(p, Val::Const(_))) {
            let cs: Vec<&Const> =
                parts.iter().map(|p| if let Val::Const(c) = p { c } else { unreachable!() }).collect();
            let rank = cs.first().map(|c| c.shape.len()).unwrap_or(0);
            let axis = norm_axis(axis, rank).ok_or_else(|| cx.bad(format!("axis {axis} out of range")))?;
            return Ok(Val::Const(Const::concat(&cs, axis, out_name).map_err(|w| cx.bad(w))?));
        }
        if norm_axis(axis, 1) != Some(0) {
            return Err(cx.unsup("Concat of shape vectors on other than axis 0"));
        }
        let mut dims = Vec::new();
        for p in parts {
            match p {
                Val::Sym { dims: d, scalar: false } => dims.extend_from_slice(d),
                Val::Const(c) if c.shape.len() == 1 && c.ints().is_some() => {
                    dims.extend(c.ints().unwrap_or_default().iter().map(|&v| Dim::Known(v)))
                }
                _ => return Err(cx.unsup("Concat of a computed value (only constants and shapes are folded)")),
            }
        }
        Ok(sym_val(dims, false, out_name))
    }

    /// Fusion, dead-layer removal, renumbering.
    fn finish(mut self, out: usize) -> Result<Graph, NnError> {
        let n = self.pending.len();
        let resolve = |p: &[PNode], mut k: usize| {
            while let POp::Alias(t) = p[k].op {
                k = t;
            }
            k
        };
        // Consumers among the live layers (the graph output counts as one).
        let live = |p: &[PNode]| {
            let mut live = vec![false; p.len()];
            live[resolve(p, out)] = true;
            for k in (0..p.len()).rev() {
                if live[k] {
                    for &i in &p[k].inputs {
                        live[resolve(p, i)] = true;
                    }
                    if let POp::Alias(t) = p[k].op {
                        live[t] = true;
                    }
                }
            }
            live
        };
        let lv = live(&self.pending);
        let mut users = vec![0usize; n];
        users[out] += 1;
        for k in (0..n).filter(|&k| lv[k]) {
            let mut ins = self.pending[k].inputs.clone();
            ins.dedup();
            for i in ins {
                users[i] += 1;
            }
        }
        for k in 0..n {
            if !lv[k] {
                continue;
            }
            match &self.pending[k].op {
                POp::Bn { scale, .. } => {
                    let c = resolve(&self.pending, self.pending[k].inputs[0]);
                    let fits = matches!(&self.pending[c].op, POp::Op(Op::Conv(cv)) if cv.bias.len() == scale.len());
                    if users[c] == 1 && fits {
                        let POp::Bn { scale, mean, beta } = std::mem::replace(&mut self.pending[k].op, POp::Alias(c))
                        else {
                            unreachable!()
                        };
                        let wname = self.pending[c].name.clone();
                        let POp::Op(Op::Conv(conv)) = &mut self.pending[c].op else { unreachable!() };
                        let per = conv.weight.len() / conv.bias.len().max(1);
                        for (o, s) in scale.iter().enumerate() {
                            for w in &mut conv.weight.data_mut()[o * per..(o + 1) * per] {
                                *w = (f64::from(*w) * s) as f32;
                            }
                            conv.bias[o] = ((f64::from(conv.bias[o]) - mean[o]) * s + beta[o]) as f32;
                        }
                        finite(&format!("{wname} (folded with BatchNormalization)"), conv.weight.data())?;
                        finite(&format!("{wname} bias (folded with BatchNormalization)"), &conv.bias)?;
                        users[c] = users[k];
                    }
                }
                POp::Op(Op::Binary { op: BinaryOp::Add, lhs, rhs }) => {
                    let (v, c) = match (lhs, rhs) {
                        (Operand::Value(v), Operand::Const(c)) | (Operand::Const(c), Operand::Value(v)) => (v.0, c),
                        _ => continue,
                    };
                    let m = resolve(&self.pending, v);
                    let POp::MatMul(lin) = &self.pending[m].op else { continue };
                    let o = lin.bias.len();
                    let fits = match c.shape() {
                        [d] | [1, d] => *d == o,
                        _ => false,
                    };
                    if users[m] != 1 || !fits {
                        continue;
                    }
                    let bias = c.data().to_vec();
                    self.pending[k].op = POp::Alias(m);
                    let POp::MatMul(lin) = &mut self.pending[m].op else { unreachable!() };
                    lin.bias = bias;
                    let lin = std::mem::replace(lin, Linear { weight: Tensor::scalar(0.0), bias: vec![] });
                    self.pending[m].op = POp::Op(Op::Linear(lin));
                    users[m] = users[k];
                }
                _ => {}
            }
        }
        // Renumber the live layers densely, in order.
        let lv = live(&self.pending);
        let mut id = vec![usize::MAX; n];
        id[0] = 0;
        let mut nodes = Vec::new();
        let pending = std::mem::take(&mut self.pending);
        let res: Vec<usize> = (0..n).map(|k| resolve(&pending, k)).collect();
        for (k, p) in pending.into_iter().enumerate().skip(1) {
            if !lv[k] || matches!(p.op, POp::Alias(_)) {
                continue;
            }
            let map = |v: usize| ValueId(id[res[v]]);
            let mut op = match p.op {
                POp::Op(op) => op,
                POp::MatMul(l) => Op::Linear(l),
                POp::Bn { scale, mean, beta } => {
                    let s32 = scale.iter().map(|&s| s as f32).collect();
                    let shift: Vec<f32> = (0..scale.len()).map(|c| (beta[c] - mean[c] * scale[c]) as f32).collect();
                    finite(&format!("{} shift", p.name), &shift)?;
                    Op::ChannelAffine { scale: s32, shift }
                }
                POp::Input | POp::Alias(_) => unreachable!("skipped"),
            };
            if let Op::Binary { lhs, rhs, .. } = &mut op {
                for o in [lhs, rhs] {
                    if let Operand::Value(v) = o {
                        *v = map(v.0);
                    }
                }
            }
            let inputs = p.inputs.iter().map(|&i| map(i)).collect();
            id[k] = nodes.len() + 1;
            nodes.push(Node { name: p.name, op, inputs, output: ValueId(id[k]) });
        }
        Graph::new(self.input_shape, nodes, ValueId(id[res[out]]))
    }
}

/// The node's name, or `#i`.
fn node_name(n: &NodeProto, i: usize) -> String {
    if n.name.is_empty() {
        format!("#{i}")
    } else {
        n.name.clone()
    }
}

const ATTR_MIN: &str = "min";
const ATTR_MAX: &str = "max";

/// The node being imported, for attribute access and error messages.
struct Cx<'n> {
    n: &'n NodeProto,
    name: &'n str,
    op: &'n str,
}

impl Cx<'_> {
    fn unsup(&self, why: impl Into<String>) -> NnError {
        NnError::Unsupported { node: self.name.to_string(), op: self.op.to_string(), why: why.into() }
    }

    fn bad(&self, why: impl Into<String>) -> NnError {
        NnError::Model(format!("node `{}` ({}): {}", self.name, self.op, why.into()))
    }

    fn attr(&self, name: &str, ty: AttributeType) -> Result<Option<&AttributeProto>, NnError> {
        match self.n.attribute.iter().find(|a| a.name == name) {
            None => Ok(None),
            Some(a) if a.r#type == ty as i32 || a.r#type == AttributeType::Undefined as i32 => Ok(Some(a)),
            Some(a) => Err(self.bad(format!("attribute `{name}` has type {} (expected {})", a.r#type, ty as i32))),
        }
    }

    fn int(&self, name: &str, default: i64) -> Result<i64, NnError> {
        Ok(self.attr(name, AttributeType::Int)?.map_or(default, |a| a.i))
    }

    fn float(&self, name: &str, default: f32) -> Result<f32, NnError> {
        Ok(self.attr(name, AttributeType::Float)?.map_or(default, |a| a.f))
    }

    fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, NnError> {
        Ok(self.attr(name, AttributeType::Ints)?.map(|a| a.ints.clone()))
    }

    fn string(&self, name: &str) -> Result<Option<String>, NnError> {
        Ok(self.attr(name, AttributeType::String)?.map(|a| String::from_utf8_lossy(&a.s).into_owned()))
    }

    /// A 2-entry positive attribute (strides, dilations).
    fn pair(&self, name: &str, d0: usize, d1: usize) -> Result<[usize; 2], NnError> {
        match self.ints(name)? {
            None => Ok([d0, d1]),
            Some(v) => match v.as_slice() {
                [a, b] => Ok([attr_usize(self, name, *a, 1)?, attr_usize(self, name, *b, 1)?]),
                _ => Err(self.bad(format!("`{name}` {v:?} does not have 2 entries"))),
            },
        }
    }

    /// Pads (top, left, bottom, right) from `pads` / `auto_pad`.
    fn pads(&self, xs: &Shape, k: [usize; 2], s: [usize; 2], d: [usize; 2]) -> Result<[usize; 4], NnError> {
        let auto = self.string("auto_pad")?.unwrap_or_default();
        match auto.as_str() {
            "" | "NOTSET" => match self.ints("pads")? {
                None => Ok([0; 4]),
                Some(p) if p.len() == 4 => {
                    let mut out = [0; 4];
                    for (o, v) in out.iter_mut().zip(&p) {
                        *o = attr_usize(self, "pads", *v, 0)?;
                    }
                    Ok(out)
                }
                Some(p) => Err(self.bad(format!("pads {p:?} does not have 4 entries"))),
            },
            "VALID" => Ok([0; 4]),
            "SAME_UPPER" | "SAME_LOWER" => {
                let mut out = [0; 4];
                for a in 0..2 {
                    let Some(Dim::Known(i)) = xs.as_ref().and_then(|x| x.get(2 + a)).copied() else {
                        return Err(self.unsup(format!("auto_pad {auto} on an input whose size is unknown at import")));
                    };
                    let (i, k, s, d) = (i as i128, k[a] as i128, s[a] as i128, d[a] as i128);
                    let o = (i + s - 1) / s;
                    let total = ((o - 1) * s + (k - 1) * d + 1 - i).max(0);
                    let (small, big) = ((total / 2) as usize, (total - total / 2) as usize);
                    if auto == "SAME_UPPER" {
                        out[a] = small;
                        out[a + 2] = big;
                    } else {
                        out[a] = big;
                        out[a + 2] = small;
                    }
                }
                Ok(out)
            }
            other => Err(self.bad(format!("auto_pad `{other}`"))),
        }
    }

    fn arg<'v>(&self, ins: &'v [Option<Val>], i: usize) -> Result<&'v Val, NnError> {
        ins.get(i).and_then(Option::as_ref).ok_or_else(|| self.bad(format!("input {i} is missing")))
    }

    fn dyn_in(&self, ins: &[Option<Val>], i: usize) -> Result<usize, NnError> {
        match self.arg(ins, i)? {
            Val::Dyn(k) => Ok(*k),
            _ => Err(self.unsup(format!("input `{}` is a constant; a computed value is expected", self.n.input[i]))),
        }
    }

    fn const_in<'v>(&self, ins: &'v [Option<Val>], i: usize) -> Result<&'v Const, NnError> {
        match self.arg(ins, i)? {
            Val::Const(c) => Ok(c),
            _ => Err(self.unsup(format!(
                "input `{}` is computed at run time; only constants (initializers, folded values) are supported there",
                self.n.input[i]
            ))),
        }
    }

    fn floats<'c>(&self, c: &'c Const) -> Result<&'c [f32], NnError> {
        match &c.data {
            Data::F32(v) => Ok(v),
            Data::I64(_) => Err(self.bad(format!("tensor `{}` is integer where floats are expected", c.name))),
        }
    }

    fn tensor(&self, c: Const) -> Result<Tensor, NnError> {
        match c.data {
            Data::F32(v) => Tensor::new(c.shape, v),
            Data::I64(_) => Err(self.bad(format!("tensor `{}` is integer where floats are expected", c.name))),
        }
    }
}

fn attr_usize(cx: &Cx, name: &str, v: i64, min: i64) -> Result<usize, NnError> {
    if !(min..=MAX_ATTR).contains(&v) {
        return Err(cx.bad(format!("`{name}` value {v} out of range [{min}, {MAX_ATTR}]")));
    }
    Ok(v as usize)
}

fn finite(name: &str, d: &[f32]) -> Result<(), NnError> {
    match d.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(NnError::NonFinite(format!("tensor `{name}` holds {} at index {i}", d[i]))),
        None => Ok(()),
    }
}

/// `axis` in `-r..r` → `0..r`.
fn norm_axis(axis: i64, r: usize) -> Option<usize> {
    let r = r as i64;
    let a = if axis < 0 { axis.checked_add(r)? } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

fn norm_indices(iv: &[i64], dim: usize) -> Option<Vec<usize>> {
    iv.iter().map(|&i| norm_axis(i, dim)).collect()
}

/// A shape vector as a value: a constant when every element is known.
fn sym_val(dims: Vec<Dim>, scalar: bool, name: &str) -> Val {
    let known: Option<Vec<i64>> = dims.iter().map(|d| if let Dim::Known(v) = d { Some(*v) } else { None }).collect();
    match known {
        Some(v) => Val::Const(Const {
            name: name.to_string(),
            shape: if scalar { vec![] } else { vec![v.len()] },
            data: Data::I64(v),
        }),
        None => Val::Sym { dims, scalar },
    }
}

/// An integer constant (not a shape vector with free entries).
fn known_ints(v: &Val) -> Option<Const> {
    match v {
        Val::Const(c) if c.ints().is_some() => Some(c.clone()),
        _ => None,
    }
}

/// Product of dimensions: known when all are, the one free dimension when the rest are 1.
fn dim_product(d: &[Dim]) -> Dim {
    let mut known = 1i64;
    let mut other = None;
    for &x in d {
        match x {
            Dim::Known(v) => match known.checked_mul(v) {
                Some(p) => known = p,
                None => return Dim::Unknown,
            },
            x if other.is_none() => other = Some(x),
            _ => return Dim::Unknown,
        }
    }
    match other {
        None => Dim::Known(known),
        Some(x) if known == 1 => x,
        Some(_) => Dim::Unknown,
    }
}

fn broadcast_dims(a: &[Dim], b: &[Dim]) -> Result<Vec<Dim>, String> {
    let r = a.len().max(b.len());
    (0..r)
        .map(|i| {
            let x = if i + a.len() >= r { a[i + a.len() - r] } else { Dim::Known(1) };
            let y = if i + b.len() >= r { b[i + b.len() - r] } else { Dim::Known(1) };
            match (x, y) {
                _ if x == y => Ok(x),
                (Dim::Known(1), _) => Ok(y),
                (_, Dim::Known(1)) => Ok(x),
                (Dim::Known(p), Dim::Known(q)) => Err(format!("shapes {a:?} and {b:?} do not broadcast ({p} vs {q})")),
                (Dim::Known(_), _) => Ok(x),
                (_, Dim::Known(_)) => Ok(y),
                _ => Ok(Dim::Unknown),
            }
        })
        .collect()
}

fn linear_shape(cx: &Cx, xs: &Shape, k: usize, o: usize) -> Result<Shape, NnError> {
    match xs {
        Some(d) if d.len() != 2 => Err(cx.unsup(format!("input of rank {}; only [n, features] is supported", d.len()))),
        Some(d) => {
            if let Dim::Known(v) = d[1] {
                if v as usize != k {
                    return Err(NnError::Shape(format!("node `{}`: input has {v} features, the weight {k}", cx.name)));
                }
            }
            Ok(Some(vec![d[0], Dim::Known(o as i64)]))
        }
        None => Ok(Some(vec![Dim::Unknown, Dim::Known(o as i64)])),
    }
}

/// Output height and width of a convolution or pooling window.
fn out_spatial(
    cx: &Cx,
    xs: &Shape,
    k: [usize; 2],
    s: [usize; 2],
    d: [usize; 2],
    p: [usize; 4],
    ceil: bool,
) -> Result<[Dim; 2], NnError> {
    let mut out = [Dim::Unknown; 2];
    for a in 0..2 {
        let Some(Dim::Known(i)) = xs.as_ref().map(|x| x[2 + a]) else { continue };
        let (i, k, s, d, p0, p1) =
            (i as i128, k[a] as i128, s[a] as i128, d[a] as i128, p[a] as i128, p[a + 2] as i128);
        let span = i + p0 + p1 - (d * (k - 1) + 1);
        if span < 0 {
            return Err(NnError::Shape(format!(
                "node `{}`: the window ({k} dilated by {d}) is larger than the padded input ({})",
                cx.name,
                i + p0 + p1
            )));
        }
        let mut o = if ceil { (span + s - 1) / s + 1 } else { span / s + 1 };
        if ceil && (o - 1) * s >= i + p0 {
            o -= 1;
        }
        out[a] = Dim::Known(o as i64);
    }
    Ok(out)
}

/// The output shape of a reshape to `target` (ONNX rules: 0 copies, one -1 is inferred).
fn reshape_dims(xs: &Shape, target: &[i64]) -> Result<Shape, String> {
    if target.iter().any(|&t| t < -1) || target.iter().filter(|&&t| t == -1).count() > 1 {
        return Err(format!("invalid target shape {target:?}"));
    }
    let mut out = Vec::with_capacity(target.len());
    for (p, &t) in target.iter().enumerate() {
        out.push(match t {
            0 => match xs {
                Some(d) => {
                    *d.get(p).ok_or_else(|| format!("target {target:?} copies dimension {p} the input lacks"))?
                }
                None => Dim::Unknown,
            },
            -1 => Dim::Unknown,
            v => Dim::Known(v),
        });
    }
    let Some(x) = xs else { return Ok(Some(out)) };
    // Element counts as (product of known dimensions, sorted free dimensions), unknowns aside.
    let split = |d: &[Dim]| -> Option<(i64, Vec<usize>)> {
        let mut k = 1i64;
        let mut syms = Vec::new();
        for &v in d {
            match v {
                Dim::Known(v) => k = k.checked_mul(v)?,
                Dim::Sym(s) => syms.push(s),
                Dim::Unknown => return None,
            }
        }
        syms.sort_unstable();
        Some((k, syms))
    };
    let hole = target.iter().position(|&t| t == -1);
    let rest: Vec<Dim> = out.iter().enumerate().filter(|(p, _)| Some(*p) != hole).map(|(_, d)| *d).collect();
    if let (Some((ki, si)), Some((ko, so))) = (split(x), split(&rest)) {
        match hole {
            None if si == so && ki != ko => return Err(format!("cannot reshape {x:?} to {target:?}")),
            None => {}
            Some(h) => {
                let mut left = si.clone();
                let mut ok = true;
                for s in &so {
                    match left.iter().position(|t| t == s) {
                        Some(i) => {
                            left.remove(i);
                        }
                        None => ok = false,
                    }
                }
                if ok {
                    let q = match (ki.checked_rem(ko), ki.checked_div(ko)) {
                        (Some(0), Some(q)) => q,
                        _ => return Err(format!("cannot reshape {x:?} to {target:?}")),
                    };
                    out[h] = match left.as_slice() {
                        [] => Dim::Known(q),
                        [s] if q == 1 => Dim::Sym(*s),
                        _ => Dim::Unknown,
                    };
                }
            }
        }
    }
    Ok(Some(out))
}
