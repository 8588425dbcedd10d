//! The IP Office simulator (in progress).
