//! Advanced search: the query model, its text form, evaluation and incremental membership.
