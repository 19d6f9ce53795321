using System.Globalization;
using Stockade.Core.Audit;

namespace Stockade.Hosting.Tests.Audit;

internal static class AuditTestData
{
    public static AuditEntry Entry(int i, string plugin = "com.example.one", string action = AuditActions.FileRead) =>
        new(action, AuditDecision.Allow, AuditLayer.Broker)
        {
            Plugin = plugin,
            Permission = "file:read=$PLUGIN_DATA/**",
            Resource = $"/data/{i}.txt",
            Details = new Dictionary<string, string> { ["i"] = i.ToString(CultureInfo.InvariantCulture) },
        };
}
