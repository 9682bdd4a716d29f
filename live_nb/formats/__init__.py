"""Writers and readers of the files DVCLive and DVC use, with no dependency on either."""
