//! Formats chosen at run time: a registry of every scalar format of the crate, addressed by a
//! [`FormatId`] and working on raw codes (`u64`).
//!
//! The command-line golden model (`lowp`, feature `cli`) is built on this module; it is just
//! as useful for tools that read a format name from a configuration file or a test vector.
//! Every method dispatches to the statically typed implementation
//! ([`LowpFloat`](crate::LowpFloat)), so the results are bit-identical to the typed API.
//!
//! Posits are addressed as `posit<N>e<ES>` for every 2 ≤ N ≤ 32 and 0 ≤ ES ≤ 4
//! ([`FormatId::Posit`]). The named ones ([`FormatId::POSIT8`], `POSIT16`, `POSIT32`,
//! `POSIT8E0`, `POSIT16E1`) dispatch to their monomorphised [`Posit`](crate::Posit) type; the
//! other 150 run through the posit module's decoder and encoder with N and ES given at run
//! time around exact arithmetic ([`Exact`](crate::Exact)), rounded once (a monomorphised copy
//! of every `Posit<N, ES>` added about a minute to an optimised build). Both are correctly rounded, so
//! the codes are the same; the tests compare the two paths code for code on the named posits.
//!
//! ```
//! use lowp::dynamic::{FormatId, Op};
//! use lowp::{Overflow, Rounding};
//!
//! let f = FormatId::from_name("e4m3")?;                 // alias of float8_e4m3fn
//! assert_eq!(f.name(), "float8_e4m3fn");
//! let code = f.parse_str("0.1", Rounding::NearestEven, Overflow::NonSaturating)?;
//! assert_eq!(f.hex(code), "0x1d");
//! assert_eq!(f.decode(code)?, 0.1015625);
//! assert_eq!(f.op(Op::Mul, &[code, 0x38])?, code);       // 0x38 is 1.0
//!
//! let p = FormatId::from_name("posit12e1")?;            // any posit<N>e<ES>
//! assert_eq!(p.bits(), 12);
//! assert_eq!(p.parse_str("1", Rounding::NearestEven, Overflow::Saturating)?, 0x400);
//! assert_eq!(p.op(Op::Qdot, &[0x400, 0x400, 0x400, 0x400])?, 0x500); // 1·1 + 1·1 = 2
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Codes are plain `u64`s holding the encoding in the low [`FormatId::bits`] bits; methods that
//! take a code reject one with bits set above the format's width ([`CodeError`]).
//!
//! The module's parts:
//!
//! * `registry`: [`FormatId`] and [`PositFormat`], the table of formats, their names and
//!   aliases, and name lookup;
//! * `backend`: the object-safe view of one typed format on raw codes, and the generic
//!   implementation over [`LowpFloat`](crate::LowpFloat);
//! * `rt_posit`: the backend of the posits with N and ES known only at run time, with their
//!   exact fused dot product;
//! * `codes`: the methods of [`FormatId`] on codes (decode, encode, parse, display, [`Op`]s,
//!   neighbours, classes);
//! * `ops`: the operation table [`Op`];
//! * `info`: a format's characteristics ([`FormatInfo`]) and a code's bit fields ([`Field`]);
//! * `errors`: [`UnknownFormat`], [`CodeError`], [`OpError`], [`UnknownOp`];
//! * `decimal_text`: [`exact_decimal`], every digit of an `f64`.
//!
//! The decimal text itself (parsing, shortest and exact printing) is [`crate::decimal`]'s.

mod backend;
mod codes;
mod decimal_text;
mod errors;
mod info;
mod ops;
mod registry;
mod rt_posit;

pub use decimal_text::exact_decimal;
pub use errors::{CodeError, OpError, UnknownFormat, UnknownOp};
pub use info::{Field, FormatInfo};
pub use ops::Op;
pub use registry::{FormatId, PositFormat};
