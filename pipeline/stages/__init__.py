"""One module per pipeline stage; ``pipeline.flow`` routes messages to them."""
