//! Human or machine: the rules that mark each view and click, as data with settings.
