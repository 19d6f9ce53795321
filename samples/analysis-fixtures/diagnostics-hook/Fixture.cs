using System.Diagnostics.Tracing;

namespace Fixture.DiagnosticsHook;

public sealed class RuntimeEventSpy : EventListener
{
}
