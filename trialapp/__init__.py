"""trialapp: the bedside assistant for the intrathecal baclofen (ITB) trial."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialapp")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
