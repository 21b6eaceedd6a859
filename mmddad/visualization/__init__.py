# Copyright (c) mmddad contributors. All rights reserved.
from .annotation import add_caption, draw_legend, enlarge
from .curves import draw_minutes_curves, draw_training_curves
from .image_conversion import (images_to_uint8, loaded_to_rgb,
                               preprocessing_of, swaps_channels,
                               to_loaded_pixels)
from .synthetic_grid import draw_synthetic_grid

__all__ = [
    'add_caption', 'draw_legend', 'draw_synthetic_grid', 'enlarge',
    'draw_minutes_curves', 'draw_training_curves',
    'images_to_uint8',
    'loaded_to_rgb', 'preprocessing_of', 'swaps_channels', 'to_loaded_pixels'
]
