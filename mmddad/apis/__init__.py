# Copyright (c) mmddad contributors. All rights reserved.
"""What each tool of ``tools/`` does, as one call (the tools parse their
arguments and call these)."""
from .benchmarking import benchmark, format_benchmark
from .curves import plot_curves, plot_minutes
from .deployment import (DEPLOY_INDEX, deploy_output_names, deploy_student,
                         format_deploy_report)
from .distillation import (distill, ensure_teacher, evaluate_student,
                           evaluate_teacher, format_summary, headline_metric)
from .evaluation import OUT_FORMATS, evaluate_checkpoint
from .inference import init_distiller
from .results import (check_results, load_results_tables, results_table,
                      run_key)
from .student_export import export_student, save_checkpoint
from .synthesis import (SYNTHESIS_INDEX, draw_synthetic,
                        format_generator_balance, generator_balance,
                        synthesize_dataset)
from .training import train

__all__ = [
    'distill', 'format_summary', 'ensure_teacher', 'evaluate_student',
    'evaluate_teacher', 'headline_metric', 'init_distiller', 'export_student',
    'save_checkpoint', 'train', 'evaluate_checkpoint', 'OUT_FORMATS',
    'synthesize_dataset', 'SYNTHESIS_INDEX', 'draw_synthetic',
    'generator_balance', 'format_generator_balance', 'deploy_student',
    'deploy_output_names', 'format_deploy_report', 'DEPLOY_INDEX',
    'benchmark', 'format_benchmark', 'plot_curves', 'plot_minutes',
    'results_table', 'load_results_tables', 'check_results', 'run_key'
]
