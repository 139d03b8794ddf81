// The mc0 connector (in progress).
