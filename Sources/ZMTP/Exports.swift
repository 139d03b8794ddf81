// Applications write only `import ZMTP`: the core's public types (SocketType, ZMTPError, Message,
// the CURVE keys, Z85) come with it. Its engine SPI and `package` symbols do not.
@_exported import ZMTPCore
