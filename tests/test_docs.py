# Copyright (c) mmddad contributors. All rights reserved.
"""The documentation's commands name files that exist, configs that load,
and links that resolve."""
import glob
import os.path as osp
import re
import shlex
from typing import Dict, List, Set, Tuple

import pytest
import yaml
from mmengine.config import Config

from .conftest import REPO_ROOT

DOCS = sorted(
    [osp.join(REPO_ROOT, 'README.md')] +
    glob.glob(osp.join(REPO_ROOT, 'docs', '**', '*.md'), recursive=True) +
    glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'README.md')))
FENCE = re.compile(r'^```(\w*)\s*\n(.*?)^```', re.M | re.S)
INLINE = re.compile(r'`((?:python|bash) tools/[^`]+)`')
LINK = re.compile(r'\]\(([^)\s]+)\)')
HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?")
#: Repository paths a command can name.
REPO_PATH = re.compile(r'^(?:tools|configs)/[\w./-]+\.(?:py|sh)$')


def shell_commands(text: str) -> Tuple[List[str], Set[str]]:
    """The commands of a document's ``bash`` blocks and inline
    ``python tools/...`` spans (continuations joined, heredoc bodies and
    comments dropped), and the files the document writes itself (``cat >
    FILE`` in a shell block, or ``# FILE`` opening a Python block)."""
    commands, written = [], set()
    for lang, body in FENCE.findall(text):
        if lang == 'python':
            first = body.strip().splitlines()[0] if body.strip() else ''
            if first.startswith('# ') and first[2:].strip().endswith('.py'):
                written.add(first[2:].strip())
            continue
        if lang not in ('bash', 'shell', 'sh'):
            continue
        lines = body.replace('\\\n', ' ').splitlines()
        end_marker = None
        for line in lines:
            if end_marker is not None:
                if line.strip() == end_marker:
                    end_marker = None
                continue
            heredoc = HEREDOC.search(line)
            if heredoc:
                end_marker = heredoc.group(1)
                target = re.search(r'cat\s*>\s*(\S+)', line)
                if target:
                    written.add(target.group(1))
            command = ' '.join(line.split(' #')[0].split())
            if command and not command.startswith('#'):
                commands.append(command)
    commands += INLINE.findall(text)
    return commands, written


def named_paths(command: str) -> List[str]:
    """The repository paths (``tools/...``, ``configs/...``) a command
    names."""
    try:
        tokens = shlex.split(command)
    except ValueError:  # an unbalanced quote in prose
        tokens = command.split()
    return [t for t in tokens if REPO_PATH.match(t)]


def collect() -> Dict[str, List[Tuple[str, str]]]:
    """``{path: [(document, command), ...]}`` over all documents."""
    found: Dict[str, List[Tuple[str, str]]] = {}
    for doc in DOCS:
        commands, written = shell_commands(open(doc).read())
        for command in commands:
            for path in named_paths(command):
                if path not in written:
                    found.setdefault(path, []).append(
                        (osp.relpath(doc, REPO_ROOT), command))
    return found


PATHS = collect()


def test_the_documents_are_found_and_name_commands():
    assert len(DOCS) >= 12
    assert 'tools/deploy.py' in PATHS and 'tools/test.py' in PATHS
    assert any(p.startswith('configs/ddad/') for p in PATHS)


@pytest.mark.parametrize('path', sorted(PATHS))
def test_every_path_a_command_names_exists(path):
    where = PATHS[path][0]
    assert osp.isfile(osp.join(REPO_ROOT, path)), (
        f'{where[0]}: `{where[1]}` names {path}, which does not exist')


@pytest.mark.parametrize(
    'path', sorted(p for p in PATHS
                   if p.startswith('configs/') and
                   osp.isfile(osp.join(REPO_ROOT, p))))
def test_every_config_a_command_names_loads(path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, path))
    assert 'model' in cfg


def test_the_commands_parser_reads_what_a_reader_runs():
    text = ('```bash\npython tools/train.py configs/a.py \\\n'
            '    --seed 0   # comment\ncat > configs/mine.py <<\'EOF\'\n'
            "_base_ = ['tools/not_a_command.py']\nEOF\n```\n"
            '```python\n# configs/other.py\nx = 1\n```\n'
            'Run `python tools/plot_curves.py work_dirs/x`.')
    commands, written = shell_commands(text)
    assert commands == [
        'python tools/train.py configs/a.py --seed 0',
        "cat > configs/mine.py <<'EOF'",
        'python tools/plot_curves.py work_dirs/x'
    ]
    assert written == {'configs/mine.py', 'configs/other.py'}
    assert named_paths(commands[0]) == ['tools/train.py', 'configs/a.py']


def heading_anchors(markdown: str) -> set:
    """The anchors GitHub gives a Markdown file's headings: lower case,
    punctuation dropped, spaces as hyphens, ``-1``, ``-2`` on repeats."""
    anchors, seen = set(), {}
    in_code = False
    for line in markdown.splitlines():
        if line.startswith('```'):
            in_code = not in_code
        if in_code or not re.match(r'#{1,6} ', line):
            continue
        slug = re.sub(r'[^\w\- ]', '', line.lstrip('#').strip().lower())
        slug = slug.replace(' ', '-')
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f'{slug}-{count}')
    return anchors


def test_heading_anchors_follow_github():
    text = ('# A: b (2 CPU cores)\n```\n# not a heading\n```\n'
            '## Same\n## Same\n### x_y-z, `code`\n')
    assert heading_anchors(text) == {
        'a-b-2-cpu-cores', 'same', 'same-1', 'x_y-z-code'}


@pytest.mark.parametrize('doc', DOCS, ids=lambda d: osp.relpath(d, REPO_ROOT))
def test_relative_links_resolve(doc):
    """Every relative link names a file of the repository and, where it
    names a heading of a Markdown file (``#...``), one that file has."""
    text = open(doc).read()
    for target in LINK.findall(text):
        if re.match(r'^(https?:|mailto:)', target):
            continue
        file, _, anchor = target.partition('#')
        path = osp.normpath(osp.join(osp.dirname(doc), file)) if file else doc
        assert osp.exists(path), f'{doc}: link {target} does not resolve'
        if anchor and path.endswith('.md'):
            assert anchor in heading_anchors(open(path).read()), (
                f'{doc}: link {target}: no heading of {path} has the '
                f'anchor #{anchor}')


PARENT_PATH = re.compile(r'(?<![\w.])((?:\.\./)+[\w.-]+)')


def test_docs_stand_alone_and_say_nothing_of_how_they_were_made():
    for doc in DOCS + glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'),
                                recursive=True):
        text = open(doc).read()
        # every relative path that climbs folders stays in the repository
        for path in PARENT_PATH.findall(text):
            where = osp.normpath(osp.join(osp.dirname(doc), path))
            assert where.startswith(REPO_ROOT + osp.sep), (doc, path)
        for phrase in ('this round', 'sitting', 'lent GPU', 'steal time'):
            assert phrase not in text.lower(), f'{doc}: "{phrase}"'


def test_quick_start_keeps_its_two_commands_and_readme_is_short():
    readme = open(osp.join(REPO_ROOT, 'README.md')).read()
    assert len(readme.splitlines()) <= 250
    quick = readme.split('## Quick start')[1].split('\n## ')[0]
    blocks = [body for lang, body in FENCE.findall(quick) if lang == 'bash']
    assert [line.split('#')[0].strip() for line in blocks[0].splitlines()
            ] == ['make demo', 'make test']
    assert '@article{zhao2022ddad' in readme
    assert osp.isfile(osp.join(REPO_ROOT, 'LICENSE'))
    assert 'Apache License' in open(osp.join(REPO_ROOT, 'LICENSE')).read()


def test_config_readmes_follow_openmmlab_layout_and_metafiles_say_why():
    for family in ('ddad', 'dfad', 'deepinv', 'dafl', 'noise_kd',
                   'fast_meta'):
        text = open(osp.join(REPO_ROOT, 'configs', family, 'README.md')).read()
        for part in ('<!-- [ALGORITHM] -->', '## Abstract',
                     '## Results and models', '## Citation'):
            assert part in text, (family, part)
        meta = yaml.safe_load(
            open(osp.join(REPO_ROOT, 'configs', family, 'metafile.yml')))
        listed = {m['Config'] for m in meta['Models']}
        configs = {
            osp.relpath(p, REPO_ROOT)
            for p in glob.glob(osp.join(REPO_ROOT, 'configs', family, '*.py'))
        }
        assert listed == configs, family
        for model in meta['Models']:
            assert 'Results' in model or 'Results' in model.get(
                'Metadata', {}), model['Name']
