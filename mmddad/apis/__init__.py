# Copyright (c) mmddad contributors. All rights reserved.
from .distillation import (distill, ensure_teacher, evaluate_student,
                           evaluate_teacher, format_summary, headline_metric)
from .inference import init_distiller
from .student_export import export_student, save_checkpoint

__all__ = [
    'distill', 'format_summary', 'ensure_teacher', 'evaluate_student', 'evaluate_teacher',
    'headline_metric', 'init_distiller', 'export_student', 'save_checkpoint'
]
