namespace Stockade.Plugin.Generators.Tests;

// Tests that run generated code need the System.Text.Json generator beside it (the real JsonSerializerContext); without
// the targeting pack they are skipped with the reason.
public sealed class JsonGeneratorFactAttribute : FactAttribute
{
    public JsonGeneratorFactAttribute() => Skip = GeneratorHarness.JsonGeneratorMissing;
}

public sealed class JsonGeneratorTheoryAttribute : TheoryAttribute
{
    public JsonGeneratorTheoryAttribute() => Skip = GeneratorHarness.JsonGeneratorMissing;
}
