//! nwf-backend: instantiation of bound filters and the nftables model.
