package dev.quarry.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A URL safe to print: every form of password a JDBC URL can carry is masked, the rest kept for diagnosis. */
class JdbcUrlsTest {

    @Test
    void a_url_without_secrets_is_printed_as_it_is() {
        for (String url : new String[] {"jdbc:mariadb://db:3306/quarry", "jdbc:mariadb://db/quarry?user=app&socketTimeout=5000",
                "jdbc:mariadb://address=(host=db)(port=3306)(type=primary)/quarry", "jdbc:mariadb://db/q?user=a@example.com"}) {
            assertThat(JdbcUrls.masked(url)).isEqualTo(url);
            assertThat(JdbcUrls.secrets(url)).isEmpty();
        }
    }

    @Test
    void a_password_parameter_is_masked_in_any_case_and_position() {
        assertThat(JdbcUrls.masked("jdbc:mariadb://db/q?password=s3cret")).isEqualTo("jdbc:mariadb://db/q?password=****");
        assertThat(JdbcUrls.masked("jdbc:mariadb://db/q?user=app&PassWord=s3cret&socketTimeout=1"))
                .isEqualTo("jdbc:mariadb://db/q?user=app&PassWord=****&socketTimeout=1");
        assertThat(JdbcUrls.masked("jdbc:mysql://db/q?PWD=s3cret")).isEqualTo("jdbc:mysql://db/q?PWD=****");
        assertThat(JdbcUrls.masked("jdbc:mariadb://db/q?user=app;password=s3cret")).isEqualTo("jdbc:mariadb://db/q?user=app;password=****");
        assertThat(JdbcUrls.masked("jdbc:mariadb://db/q?trustStorePassword=ts&keyStorePassword=ks"))
                .isEqualTo("jdbc:mariadb://db/q?trustStorePassword=****&keyStorePassword=****");
        assertThat(JdbcUrls.masked("jdbc:mariadb://address=(host=db)(password=s3cret)(port=1)/q"))
                .isEqualTo("jdbc:mariadb://address=(host=db)(password=****)(port=1)/q");
    }

    @Test
    void a_password_holding_separators_is_masked_whole() {
        // The driver splits parameters on '&' only: ';', '?', '=' and '@' are part of the password.
        String url = "jdbc:mariadb://db/q?password=a;b?c=d@e&user=app";
        assertThat(JdbcUrls.masked(url)).isEqualTo("jdbc:mariadb://db/q?password=****&user=app");
        assertThat(JdbcUrls.secrets(url)).containsExactly("a;b?c=d@e");
    }

    @Test
    void the_password_of_user_colon_password_at_host_is_masked() {
        assertThat(JdbcUrls.masked("jdbc:mariadb://app:s3cret@db:3306/q")).isEqualTo("jdbc:mariadb://app:****@db:3306/q");
        assertThat(JdbcUrls.masked("jdbc:mariadb://app:s3@c/r@t@db:3306/q?user=x@y"))
                .isEqualTo("jdbc:mariadb://app:****@db:3306/q?user=x@y");
        assertThat(JdbcUrls.masked("jdbc:mariadb://app:s3?cret@db/q")).isEqualTo("jdbc:mariadb://app:****@db/q");
        assertThat(JdbcUrls.masked("jdbc:mariadb://app@db/q")).isEqualTo("jdbc:mariadb://app@db/q");
        assertThat(JdbcUrls.secrets("jdbc:mariadb://app:s3cret@db/q?password=two")).containsExactly("s3cret", "two");
    }

    @Test
    void credentials_before_the_host_are_recognised_and_an_at_sign_elsewhere_is_not() {
        assertThat(JdbcUrls.hasUserInfo("jdbc:mariadb://app:pw@db/q")).isTrue();
        assertThat(JdbcUrls.hasUserInfo("jdbc:mariadb://app@db/q")).isTrue();
        assertThat(JdbcUrls.hasUserInfo("jdbc:mariadb://db/q?user=a@example.com")).isFalse();
        assertThat(JdbcUrls.hasUserInfo("jdbc:mariadb://db:3306/q")).isFalse();
    }

    @Test
    void with_database_keeps_the_parameters() {
        assertThat(JdbcUrls.withDatabase("jdbc:mariadb://db:3306/a?x=1", "b")).isEqualTo("jdbc:mariadb://db:3306/b?x=1");
        assertThat(JdbcUrls.withDatabase("jdbc:mariadb://db:3306", "b")).isEqualTo("jdbc:mariadb://db:3306/b");
    }
}
