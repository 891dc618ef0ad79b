"""Static file service for the plugins' HTTP servers."""
from twisted.web import static


class HTTPNoListingFileService(static.File):
    """Serves the files under a folder, but never lists a folder's content."""

    def directoryListing(self):
        return self.forbidden
