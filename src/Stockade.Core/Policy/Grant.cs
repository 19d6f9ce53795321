using Stockade.Core.Permissions;

namespace Stockade.Core.Policy;

/// <summary>A person's decision about one permission of one plugin.</summary>
/// <param name="Permission">The permission decided on (as declared, or narrower).</param>
/// <param name="Allowed">True to grant; false to deny explicitly.</param>
/// <param name="At">When it was decided.</param>
/// <param name="By">Who decided (user name, "cli", "install --grant all", ...).</param>
/// <param name="Optional">True when it answers a run-time request for an optional permission.</param>
public sealed record Grant(Permission Permission, bool Allowed, DateTimeOffset At, string By, bool Optional = false);
