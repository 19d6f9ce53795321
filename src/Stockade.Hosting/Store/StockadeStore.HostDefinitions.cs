namespace Stockade.Hosting.Store;

internal sealed partial class StockadeStore
{
    /// <summary>Records (or replaces) the definition of an application's permission category, as JSON.</summary>
    /// <param name="name">Category name.</param>
    /// <param name="definition">The definition (see <c>AppCategoryRecord</c>).</param>
    public void RecordCategory(string name, string definition) => Record("host_categories", "definition", name, definition);

    /// <summary>Every recorded category definition, by name; rows are data to validate, not trusted.</summary>
    public IReadOnlyList<(string Name, string Definition)> ListCategories() => List("host_categories", "definition");

    /// <summary>Records (or replaces) a named policy's JSON source.</summary>
    /// <param name="name">Policy name.</param>
    /// <param name="source">The policy JSON as the application registered it.</param>
    public void RecordPolicy(string name, string source) => Record("host_policies", "source", name, source);

    /// <summary>Every recorded named policy, by name; rows are data to validate, not trusted.</summary>
    public IReadOnlyList<(string Name, string Source)> ListPolicies() => List("host_policies", "source");

    // Table and column names are the constants above, never input.
    private void Record(string table, string column, string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        Write((connection, transaction) =>
        {
            using var command = Command(
                connection,
                transaction,
                $"INSERT INTO {table}(name, {column}, recorded_at) VALUES ($name, $value, $at) ON CONFLICT(name) DO UPDATE SET {column} = excluded.{column}, recorded_at = excluded.recorded_at WHERE {column} <> excluded.{column}",
                ("$name", name),
                ("$value", value),
                ("$at", Now()));
            return command.ExecuteNonQuery();
        });
    }

    private List<(string, string)> List(string table, string column) => Execute(connection =>
    {
        using var command = Command(connection, null, $"SELECT name, {column} FROM {table} ORDER BY name");
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    });
}
