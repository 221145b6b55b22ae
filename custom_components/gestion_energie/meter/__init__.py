"""The household's view of the meter, from verified frames: pure, no Home Assistant."""
