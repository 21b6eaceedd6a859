# Copyright (c) mmddad contributors. All rights reserved.
from .image_conversion import (images_to_uint8, preprocessing_of,
                               to_loaded_pixels)

__all__ = ['images_to_uint8', 'preprocessing_of', 'to_loaded_pixels']
