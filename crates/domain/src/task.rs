//! Tasks and the task board.
