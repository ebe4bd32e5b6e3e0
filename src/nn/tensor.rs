//! A dense row-major `f32` tensor.

use super::NnError;

/// A dense, row-major `f32` tensor: `data.len()` is the product of `shape` (1 for a scalar,
/// whose shape is empty).
///
/// ```
/// use lowp::nn::Tensor;
/// let t = Tensor::new(vec![2, 3], (0..6).map(|i| i as f32).collect()).unwrap();
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.data()[4], 4.0);
/// assert!(Tensor::new(vec![2, 2], vec![0.0; 3]).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

impl Tensor {
    /// A tensor of `shape` holding `data` (row-major); an error when the element count does
    /// not match the shape (or overflows `usize`).
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Tensor, NnError> {
        let n = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| NnError::Shape(format!("shape {shape:?} overflows")))?;
        if n != data.len() {
            return Err(NnError::Shape(format!("shape {shape:?} needs {n} elements, got {}", data.len())));
        }
        Ok(Tensor { shape, data })
    }

    /// A tensor of zeros.
    ///
    /// ```
    /// let t = lowp::nn::Tensor::zeros(vec![2, 2]);
    /// assert_eq!(t.data(), &[0.0; 4]);
    /// ```
    pub fn zeros(shape: Vec<usize>) -> Tensor {
        let n = shape.iter().product();
        Tensor { shape, data: vec![0.0; n] }
    }

    /// A scalar (shape `[]`).
    ///
    /// ```
    /// assert_eq!(lowp::nn::Tensor::scalar(2.5).data(), &[2.5]);
    /// ```
    pub fn scalar(x: f32) -> Tensor {
        Tensor { shape: Vec::new(), data: vec![x] }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The elements, row-major, mutable (the shape stays).
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Shape and data, by value.
    pub fn into_parts(self) -> (Vec<usize>, Vec<f32>) {
        (self.shape, self.data)
    }

    /// The same elements under another shape with the same element count.
    ///
    /// ```
    /// let t = lowp::nn::Tensor::zeros(vec![2, 3]).reshape(vec![3, 2]).unwrap();
    /// assert_eq!(t.shape(), &[3, 2]);
    /// ```
    pub fn reshape(self, shape: Vec<usize>) -> Result<Tensor, NnError> {
        Tensor::new(shape, self.data)
    }
}
