# Copyright (c) mmddad contributors. All rights reserved.
from .distillation import (ensure_teacher, evaluate_student, evaluate_teacher,
                           headline_metric)

__all__ = [
    'ensure_teacher', 'evaluate_student', 'evaluate_teacher',
    'headline_metric'
]
