# Home Assistant >= 2026.10 imports probatio in place of voluptuous
# (probatio.compat.install_as_voluptuous aliases the module at start-up), so
# `import voluptuous as vol` is probatio at run time there; older releases
# (2026.5) still run the real voluptuous, whose API probatio mirrors. mypy
# checks against the newest pin: this stub tells it what the module is.
from probatio import All as All
from probatio import Coerce as Coerce
from probatio import In as In
from probatio import Invalid as Invalid
from probatio import Optional as Optional
from probatio import Range as Range
from probatio import Required as Required
from probatio import Schema as Schema
