using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Stockade.Plugin.Generators;

// Writes a plugin class's IPluginDispatchTable: one static entry point per method and hook that binds the input with the
// project's JSON metadata, calls the plugin directly and writes the result, and the assembly attribute the loader finds.
internal static class DispatchTableEmitter
{
    private const string Ns = "global::Stockade.Plugin";
    private const string Element = "global::System.Text.Json.JsonElement";

    public static string Emit(PluginModel model, JsonMetadata json)
    {
        var plugin = Generators.Emit.Type(model.Plugin);
        var tableName = model.Plugin.Name + "DispatchTable";
        var ns = Generators.Emit.Namespace(model.Plugin);
        var table = (ns is null ? "global::" : "global::" + ns + ".") + tableName;

        var code = new StringBuilder();
        code.Append(Generators.Emit.Header);
        code.AppendLine($"[assembly: {Ns}.Generated.PluginDispatchTableAttribute(typeof({plugin}), typeof({table}))]");
        code.AppendLine();
        if (ns is not null)
        {
            code.AppendLine($"namespace {ns}");
        }

        code.AppendLine("{");
        code.AppendLine($"    /// <summary>The dispatch table of <see cref=\"{plugin.Replace("global::", string.Empty)}\"/>, generated at build time.</summary>");
        code.AppendLine("    " + Generators.Emit.GeneratedCode);
        code.AppendLine("    [global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        code.AppendLine($"    internal sealed class {tableName} : {Ns}.Generated.IPluginDispatchTable");
        code.AppendLine("    {");
        Generators.Emit.Options(code, json);

        var metadata = new List<TypeMetadata>();
        foreach (var served in All(model))
        {
            if (served.InputMetadata is { } input)
            {
                metadata.Add(input);
            }

            if (served.ResultMetadata is { } result)
            {
                metadata.Add(result);
            }
        }

        var infos = Generators.Emit.TypeInfos(code, metadata);
        code.AppendLine($"        private static readonly string[] s_methodNames = new string[] {{ {Names(model.Methods)} }};");
        code.AppendLine($"        private static readonly string[] s_hookNames = new string[] {{ {Names(model.Hooks)} }};");
        code.AppendLine("        private static readonly global::System.Collections.Generic.IReadOnlyDictionary<string, int> s_contracts =");
        code.AppendLine("            new global::System.Collections.ObjectModel.ReadOnlyDictionary<string, int>(new global::System.Collections.Generic.Dictionary<string, int>(global::System.StringComparer.Ordinal)");
        code.AppendLine("            {");
        foreach (var contract in model.Contracts)
        {
            code.AppendLine($"                [{Generators.Emit.Literal(contract.Key)}] = {contract.Value.ToString(CultureInfo.InvariantCulture)},");
        }

        code.AppendLine("            });");
        var entries = new Dictionary<ServedMethod, string>();
        var index = 0;
        foreach (var served in All(model))
        {
            var entry = "Call" + index.ToString(CultureInfo.InvariantCulture);
            index++;
            entries[served] = entry;
            code.AppendLine($"        private static readonly {Ns}.Generated.PluginEntryPoint s_{entry.ToLowerInvariant()} = {entry};");
        }

        code.AppendLine();
        code.AppendLine("        /// <inheritdoc/>");
        code.AppendLine($"        public global::System.Type PluginType => typeof({plugin});");
        code.AppendLine("        /// <inheritdoc/>");
        code.AppendLine("        public global::System.Collections.Generic.IReadOnlyList<string> MethodNames => s_methodNames;");
        code.AppendLine("        /// <inheritdoc/>");
        code.AppendLine("        public global::System.Collections.Generic.IReadOnlyList<string> HookNames => s_hookNames;");
        code.AppendLine("        /// <inheritdoc/>");
        code.AppendLine("        public global::System.Collections.Generic.IReadOnlyDictionary<string, int> Contracts => s_contracts;");
        code.AppendLine("        /// <inheritdoc/>");
        code.AppendLine($"        public {Ns}.IPlugin CreatePlugin() => new {plugin}();");
        Find(code, "FindMethod", model.Methods, entries);
        Find(code, "FindHook", model.Hooks, entries);

        foreach (var served in All(model))
        {
            EntryPoint(code, served, entries[served], plugin, infos);
        }

        Helpers(code);
        code.AppendLine("    }");
        code.AppendLine("}");
        return code.ToString();
    }

    private static IEnumerable<ServedMethod> All(PluginModel model)
    {
        foreach (var method in model.Methods)
        {
            yield return method;
        }

        foreach (var hook in model.Hooks)
        {
            yield return hook;
        }
    }

    private static string Names(List<ServedMethod> methods)
    {
        var names = new List<string>();
        foreach (var method in methods)
        {
            names.Add(Generators.Emit.Literal(method.WireName));
        }

        return string.Join(", ", names);
    }

    private static void Find(StringBuilder code, string name, List<ServedMethod> methods, Dictionary<ServedMethod, string> entries)
    {
        code.AppendLine("        /// <inheritdoc/>");
        code.AppendLine($"        public {Ns}.Generated.PluginEntryPoint? {name}(string name) => name switch");
        code.AppendLine("        {");
        foreach (var method in methods)
        {
            code.AppendLine($"            {Generators.Emit.Literal(method.WireName)} => s_{entries[method].ToLowerInvariant()},");
        }

        code.AppendLine("            _ => null,");
        code.AppendLine("        };");
    }

    private static void EntryPoint(StringBuilder code, ServedMethod served, string entry, string plugin, Dictionary<string, string> infos)
    {
        var asynchronous = served.Shape is not (ReturnShape.Void or ReturnShape.Value);
        code.AppendLine();
        code.AppendLine($"        // {Generators.Emit.Literal(served.WireName)} -> {served.Method.ToDisplayString()}");
        code.AppendLine($"        private static {(asynchronous ? "async " : string.Empty)}global::System.Threading.Tasks.ValueTask<{Element}?> {entry}({Ns}.IPlugin plugin, {Element}? input, global::System.Threading.CancellationToken cancellationToken)");
        code.AppendLine("        {");
        var arguments = new List<string>();
        var wire = Generators.Emit.Literal(served.WireName);
        if (served.Input is { } input)
        {
            var type = Generators.Emit.Declared(input.Type);
            var shown = Generators.Emit.Literal(input.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
            string whenNull;
            if (served.InputIsElement)
            {
                whenNull = "NullElement.Value";
            }
            else if (input.HasExplicitDefaultValue)
            {
                whenNull = Generators.Emit.DefaultValue(input);
            }
            else if (served.InputMayBeNull)
            {
                whenNull = "default!";
            }
            else
            {
                whenNull = $"throw new {Ns}.PluginInputException(\"'\" + {wire} + \"' needs an input of type \" + {shown})";
            }

            var bind = served.InputIsElement ? "input!.Value" : $"Bind(input!.Value, {infos[Generators.Emit.Type(input.Type)]}, {wire}, {shown})";
            code.AppendLine($"            {type} arg = IsNull(input) ? {whenNull} : {bind};");
            arguments.Add($"{Generators.Emit.Identifier(input.Name)}: arg");
        }

        if (served.Token is { } token)
        {
            arguments.Add($"{Generators.Emit.Identifier(token.Name)}: cancellationToken");
        }

        var target = served.Interface is null ? $"(({plugin})plugin)" : $"(({Generators.Emit.Type(served.Interface)})plugin)";
        var call = $"{target}.{Generators.Emit.Identifier(served.Method.Name)}({string.Join(", ", arguments)})";
        var write = served.Result is null
            ? "null"
            : served.ResultIsElement ? "WriteElement(result)" : $"Write(result, {infos[Generators.Emit.Type(served.Result)]})";
        switch (served.Shape)
        {
            case ReturnShape.Void:
                code.AppendLine($"            {call};");
                code.AppendLine($"            return new global::System.Threading.Tasks.ValueTask<{Element}?>(({Element}?)null);");
                break;
            case ReturnShape.Value:
                code.AppendLine($"            var result = {call};");
                code.AppendLine($"            return new global::System.Threading.Tasks.ValueTask<{Element}?>({write});");
                break;
            case ReturnShape.Task:
            case ReturnShape.ValueTask:
                code.AppendLine($"            await {call}.ConfigureAwait(false);");
                code.AppendLine("            return null;");
                break;
            default:
                code.AppendLine($"            var result = await {call}.ConfigureAwait(false);");
                code.AppendLine($"            return {write};");
                break;
        }

        code.AppendLine("        }");
    }

    private static void Helpers(StringBuilder code)
    {
        code.AppendLine($$"""

        private static bool IsNull({{Element}}? input) =>
            input is null || input.Value.ValueKind is global::System.Text.Json.JsonValueKind.Null or global::System.Text.Json.JsonValueKind.Undefined;

        private static T Bind<T>({{Element}} input, global::System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string method, string type)
        {
            try
            {
                return global::System.Text.Json.JsonSerializer.Deserialize(input, info)!;
            }
            catch (global::System.Exception e) when (e is global::System.Text.Json.JsonException or global::System.NotSupportedException or global::System.ArgumentException or global::System.InvalidOperationException)
            {
                throw new {{Ns}}.PluginInputException("the input of '" + method + "' does not fit " + type + ": " + e.Message, e);
            }
        }

        private static {{Element}}? Write<T>(T value, global::System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
            value is null ? null : global::System.Text.Json.JsonSerializer.SerializeToElement(value, info);

        // A JsonElement result is its own JSON; Clone gives one that owns its document (the plugin may dispose its own).
        private static {{Element}}? WriteElement({{Element}} value) =>
            value.ValueKind == global::System.Text.Json.JsonValueKind.Undefined ? null : value.Clone();

        // The JSON null a JsonElement input binds to when the caller sent none (parsed on first use).
        private static class NullElement
        {
            public static readonly {{Element}} Value = global::System.Text.Json.JsonDocument.Parse("null").RootElement;
        }
""");
    }
}
