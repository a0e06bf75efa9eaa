package com.example.catalog;

import java.util.List;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
public class Application {

    public static void main(String[] args) {
        SpringApplication.run(Application.class, args);
    }

    record Product(String id, String name, long priceCents) {
    }

    @RestController
    @RequestMapping("/products")
    static class ProductController {

        private final Map<String, Product> products = Map.of(
                "p-100", new Product("p-100", "Espresso beans, 1 kg", 2490),
                "p-200", new Product("p-200", "Pour-over kettle", 5900));

        @GetMapping
        List<Product> list() {
            return products.values().stream()
                    .sorted((a, b) -> a.id().compareTo(b.id()))
                    .toList();
        }

        @GetMapping("/{id}")
        ResponseEntity<Product> get(@PathVariable String id) {
            Product product = products.get(id);
            return product == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(product);
        }
    }
}
