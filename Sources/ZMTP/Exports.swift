// Applications write only `import ZMTP`: the core's public types (SocketType, ZMTPError, the
// CURVE keys, Z85, ConnectionOptions) come with it. Its engine SPI and `package` symbols do not.
@_exported import ZMTPCore
