# Copyright (c) mmddad contributors. All rights reserved.
"""Training curves as PNG pictures (``tools/plot_curves.py``): the losses
and metrics of a run against iterations, and runs compared against
training minutes. Drawn on a Matplotlib ``Figure`` of its own (no pyplot
state, no backend switched; Matplotlib is imported when a picture is
drawn)."""
import io
from typing import Dict, List, Optional, Sequence, Tuple

#: A series: ``[(x, y), ...]``.
Series = Sequence[Tuple[float, float]]

#: Panel titles of the named losses (generator terms get their key).
TITLES: Dict[str, str] = {
    'loss_student': 'student loss d(T, S)',
    'loss_generator': 'generator: weighted sum of its terms',
}


def draw_training_curves(train: Dict[str, Series], val: Dict[str, Series],
                         reference: Optional[Tuple[str, float]] = None
                         ) -> bytes:
    """One panel per logged loss (``loss*`` keys of ``train``) and per
    validation metric, against iterations; the teacher's score as a line on
    its metric's panel.

    Args:
        train (dict): Training series by key.
        val (dict): Validation series by metric.
        reference (tuple, optional): ``(metric, teacher score)``.

    Returns:
        bytes: The PNG file.

    Raises:
        ValueError: Nothing to draw.
    """
    from matplotlib.figure import Figure
    panels = [(k, TITLES.get(k, f'generator term {k} (weighted)'), v)
              for k, v in train.items() if k.startswith('loss')]
    panels += [(k, f'validation {k}', v) for k, v in val.items()]
    if not panels:
        raise ValueError('no losses or metrics logged')
    fig = Figure(figsize=(4 * len(panels), 3.2))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (key, title, series) in zip(axes, panels):
        xs, ys = zip(*series)
        ax.plot(xs, ys, marker='o' if len(xs) < 30 else None,
                label='student' if key in val else None)
        if reference is not None and key == reference[0] and key in val:
            ax.axhline(reference[1], color='tab:red', linestyle='--',
                       label=f'teacher {reference[1]:.2f}')
            ax.legend(fontsize=8, loc='lower right')
        ax.set_title(title, fontsize=9)
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
    return _png(fig)


def draw_minutes_curves(runs: List[Tuple[str, Series]], metric: str,
                        teacher_score: Optional[float] = None) -> bytes:
    """One panel: each run's metric against training minutes, one line a
    run, the teacher's score as a reference line.

    Returns:
        bytes: The PNG file.
    """
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 4))
    ax = fig.subplots()
    for label, curve in runs:
        xs, ys = zip(*curve)
        ax.plot(xs, ys, marker='o', markersize=3, label=label)
    if teacher_score is not None:
        ax.axhline(teacher_score, color='black', linestyle='--',
                   label=f'teacher {teacher_score:.2f}')
    ax.set_xlabel('training minutes (validation excluded)')
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc='lower right')
    return _png(fig)


def _png(fig) -> bytes:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    return buffer.getvalue()
