/* Baseline for `creditctl bench kafka`: the same produce/consume work through librdkafka's C
 * API directly. Usage: kafka_bench BOOTSTRAP TOPIC MESSAGES SIZE
 * Prints `produce_msgs_per_sec=X` and `consume_msgs_per_sec=Y` (consume timed from the first
 * message received to the last, as the Swift side does). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long delivered, failed;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err) failed++; else delivered++;
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s BOOTSTRAP TOPIC MESSAGES SIZE\n", argv[0]); return 2; }
    const char *bootstrap = argv[1], *topic = argv[2];
    long n = atol(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    char err[512], key[32];
    char *payload = malloc(size);
    memset(payload, 'x', size);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "linger.ms", "5");
    set(conf, "batch.size", "1000000");
    set(conf, "acks", "all");
    set(conf, "enable.idempotence", "true");
    set(conf, "queue.buffering.max.messages", "100000");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!producer) { fprintf(stderr, "%s\n", err); return 1; }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(producer, topic, NULL);

    double start = now();
    for (long i = 0; i < n; i++) {
        int keylen = snprintf(key, sizeof key, "subject-%ld", i % 1000);
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, key, keylen, NULL) == -1) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
                return 1;
            }
            rd_kafka_poll(producer, 1);
        }
        rd_kafka_poll(producer, 0);
    }
    rd_kafka_flush(producer, 120000);
    double produce_seconds = now() - start;
    if (delivered != n || failed) { fprintf(stderr, "delivered %ld of %ld, %ld failed\n", delivered, n, failed); return 1; }
    printf("produce_msgs_per_sec=%.0f\n", n / produce_seconds);
    fflush(stdout);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(producer);

    conf = rd_kafka_conf_new();
    char group[128];
    snprintf(group, sizeof group, "bench-c-%ld", (long)time(NULL));
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "group.id", group);
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.auto.commit", "false");
    set(conf, "enable.auto.offset.store", "false");
    set(conf, "partition.assignment.strategy", "range");
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!consumer) { fprintf(stderr, "%s\n", err); return 1; }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    long received = 0;
    double first = 0, deadline = now() + 300;
    while (received < n && now() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
        if (!m) continue;
        if (!m->err) {
            if (received++ == 0) first = now();
        }
        rd_kafka_message_destroy(m);
    }
    double consume_seconds = now() - first;
    if (received < n) { fprintf(stderr, "consumed %ld of %ld\n", received, n); return 1; }
    printf("consume_msgs_per_sec=%.0f\n", (n - 1) / consume_seconds);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    free(payload);
    return 0;
}
