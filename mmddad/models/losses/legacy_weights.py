# Copyright (c) mmddad contributors. All rights reserved.
"""Read configs written for mmddad 0.1, whose generator objective was set by
``lambda_*`` weights instead of ``model.generator_losses``."""
import copy
import warnings
from typing import Dict, Optional

#: 0.1 key -> (term name, term type) of ``model.generator_losses``.
LEGACY_WEIGHTS = {
    'lambda_bn': ('loss_bn', 'BNStatisticsLoss'),
    'lambda_adv': ('loss_adv', 'AdversarialLoss'),
    'lambda_oh': ('loss_oh', 'OneHotLoss'),
    'lambda_ie': ('loss_ie', 'InformationEntropyLoss'),
}


def apply_legacy_weights(generator_losses: Optional[dict],
                         legacy: Dict[str, object]) -> Dict[str, dict]:
    """Fold 0.1-style keys into ``generator_losses`` (with a warning).

    Args:
        generator_losses (dict, optional): ``name -> term config``.
        legacy (dict): Any of ``lambda_bn``, ``lambda_adv``, ``lambda_oh``,
            ``lambda_ie`` (a term's ``loss_weight``), ``adversarial_form``
            (``loss_adv.form``) and ``bn_loss`` (``loss_bn``'s settings).

    Returns:
        dict: The term configs, a new dict.
    """
    losses = copy.deepcopy(dict(generator_losses or {}))
    unknown = set(legacy) - set(LEGACY_WEIGHTS) - {'adversarial_form',
                                                   'bn_loss'}
    if unknown:
        raise TypeError(f'DDAD got unexpected `model` keys {sorted(unknown)}')
    if not legacy:
        return losses
    warnings.warn(
        f'`model.{"`, `model.".join(sorted(legacy))}` are deprecated: set '
        'each term and its `loss_weight` in `model.generator_losses`',
        DeprecationWarning)
    for key, (name, loss_type) in LEGACY_WEIGHTS.items():
        if key in legacy:
            term = dict(losses.get(name) or dict(type=loss_type))
            term['loss_weight'] = legacy[key]
            losses[name] = term
    if 'adversarial_form' in legacy:
        losses.setdefault('loss_adv', dict(type='AdversarialLoss'))
        losses['loss_adv'] = dict(losses['loss_adv'],
                                  form=legacy['adversarial_form'])
    if legacy.get('bn_loss') and 'loss_bn' in losses:
        bn = dict(legacy['bn_loss'])
        bn.update(losses['loss_bn'])
        losses['loss_bn'] = bn
    return losses
