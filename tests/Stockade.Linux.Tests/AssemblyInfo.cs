// The kernel tests are Linux-only by nature.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
