"""The migration workshop's machinery: modules, checks, resets and reference solutions.

The pages a learner follows are docs/workshop/NN-*.md; this package is what
`strangler workshop` runs (strangler_proxy/cli/workshop.py):

    registry         the modules: number, title, page, goal
    environment      where the learner's repository, stack, route store and proxy are
    result           a check's items: met, or missing with a hint
    checks           one check per module, read-only
    resets           put the environment at a module's start
    solutions        apply a module's reference solution (docs/workshop/solutions/)
    plants           the planted differences (docs/workshop/plants/*.patch) in and out
    routefile        the reference route files and putting one in place
    traffic          product reads through the proxy
    catalog_compare  the catalog's answers against the monolith's, from a fresh process of the code
    side_jobs        sign-ups and their welcome jobs; a job held in flight to kill a worker mid-job
    coupons_contract the coupons contract against the learner's extracted/coupons
    errors           every way a workshop command fails
"""
from strangler_proxy.workshop.checks import check_module
from strangler_proxy.workshop.environment import Workshop, workshop_from_env
from strangler_proxy.workshop.registry import MODULES, Module, module_get
from strangler_proxy.workshop.resets import reset_module
from strangler_proxy.workshop.result import CheckResult, Item
from strangler_proxy.workshop.solutions import solve_module

__all__ = ["MODULES", "CheckResult", "Item", "Module", "Workshop", "check_module", "module_get", "reset_module",
           "solve_module", "workshop_from_env"]
