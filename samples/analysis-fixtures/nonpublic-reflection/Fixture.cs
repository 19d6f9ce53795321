using System.Reflection;

namespace Fixture.NonPublicReflection;

public static class Peeker
{
    public static FieldInfo? Run(Type type) => type.GetField("_secret", BindingFlags.NonPublic | BindingFlags.Instance);
}
