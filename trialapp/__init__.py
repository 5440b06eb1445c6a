"""trialapp: the bedside assistant for the intrathecal baclofen (ITB) trial."""

from trialapp._version import __version__ as __version__
