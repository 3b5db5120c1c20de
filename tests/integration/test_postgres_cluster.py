import psycopg


def test_throwaway_cluster_accepts_connections(postgres_cluster):
    with psycopg.connect(postgres_cluster.url) as connection:
        version = connection.execute("SHOW server_version_num").fetchone()[0]
        assert int(version) >= 150000
        listen = connection.execute("SHOW listen_addresses").fetchone()[0]
        assert listen == "127.0.0.1"
