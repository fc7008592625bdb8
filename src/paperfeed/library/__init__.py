"""A member's own things: collections (the library), import and export, follows, feedback, papers seen,
the for-you settings and the private feed token. The tables are in
:mod:`paperfeed.store.library_models`."""
