# Copyright (c) mmddad contributors. All rights reserved.
"""The base of the errors mmddad reports in one line."""


class ReportedError(Exception):
    """Base of mmddad's errors about bad input or a run's state (a
    checkpoint that does not fit, a collapsed run): tools report them in
    one line."""
