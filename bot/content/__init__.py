"""CBT program content: YAML files under cbt_content/<lang>/, checked and served.

    repo = ContentRepository(Path("cbt_content"))
    program = repo.program("en")          # reloads itself when files change
    module = program.first_module()
    step = module.step(module.first_step_id)

``validate_tree(root)`` lists every problem (file, line, location, message);
``main_validate`` and ``main_preview`` back ``python -m bot content validate|preview``.
"""

from .loader import ContentError, ContentRepository
from .model import (
    AgendaItem,
    Consent,
    Field,
    GpSection,
    Module,
    Option,
    Program,
    Step,
)
from .preview import main_preview, render_module
from .validate import Problem, main_validate, validate_tree

__all__ = [
    "AgendaItem",
    "Consent",
    "ContentError",
    "ContentRepository",
    "Field",
    "GpSection",
    "Module",
    "Option",
    "Problem",
    "Program",
    "Step",
    "main_preview",
    "main_validate",
    "render_module",
    "validate_tree",
]
