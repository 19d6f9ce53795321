namespace Stockade.Analysis.Rules;

/// <summary>The assembly rules, in id order.</summary>
internal static class AssemblyRules
{
    public static IReadOnlyList<IAnalysisRule> All { get; } =
    [
        new ProcessStartRule(),
        new FileSystemRule(),
        new NetworkRule(),
        new EnvironmentRule(),
        new NativeCodeRule(),
        new UnsafeCodeRule(),
        new DynamicCodeRule(),
        new NonPublicReflectionRule(),
        new RuntimeConfigurationRule(),
        new DiagnosticsHookRule(),
    ];
}
