"""R5 through r5py: the Java runtime and jar, and the travel-time engine."""
